import { z } from "zod";
import { canRun, declarationOf, defaultProvider, providersFor, providersOn } from "./capabilities";
import { labConfigSchema } from "./schema";

/** A problem found by looking at several keys together; `key` is relative to the namespace. */
export interface CrossProblem {
    key: string;
    given: string;
    allowed: string;
}

const shape = labConfigSchema.shape;

/** Parses one key on its own; undefined when that key is itself invalid (its own problem is reported elsewhere). */
function field<K extends keyof typeof shape>(raw: Record<string, unknown>, key: K): z.output<(typeof shape)[K]> | undefined {
    const r = shape[key].safeParse(raw[key]);
    return r.success ? (r.data as z.output<(typeof shape)[K]>) : undefined;
}

/**
 * Checks that need more than one key: platform x traffic x strategy, and the
 * strategy's own needs. Each check runs when the keys it reads are valid on their own, so a stack with
 * a bad weight still hears that its provider cannot do its strategy.
 */
export function crossFieldProblems(raw: Record<string, unknown>): CrossProblem[] {
    const problems: CrossProblem[] = [];
    const platform = field(raw, "platform");
    const strategy = field(raw, "strategy");
    const trafficGiven = field(raw, "traffic");
    const invalidTraffic = raw.traffic !== undefined && trafficGiven === undefined;
    const traffic = platform !== undefined && strategy !== undefined && !invalidTraffic ? trafficGiven ?? defaultProvider(platform, strategy) : undefined;
    // What the stack's router declares it cannot do (undefined when the keys that pick it are invalid).
    const router = platform !== undefined && traffic !== undefined ? declarationOf(platform, traffic) : undefined;

    if (platform !== undefined && strategy !== undefined && traffic !== undefined) {
        const given = trafficGiven === undefined ? `"${traffic}" (the default on ${platform})` : `"${traffic}"`;
        const onPlatform = providersOn(platform);
        if (!onPlatform.includes(traffic)) {
            problems.push({ key: "traffic", given, allowed: `on platform "${platform}": ${onPlatform.join(", ")}` });
        } else if (!canRun(platform, traffic, strategy)) {
            problems.push({
                key: "traffic",
                given,
                allowed: `for strategy "${strategy}" on ${platform}: ${providersFor(strategy, platform).join(", ")}`,
            });
        }
    }
    const hpa = field(raw, "hpa");
    if (hpa !== undefined && hpa.minReplicas > hpa.maxReplicas) {
        problems.push({
            key: "hpa.minReplicas",
            given: String(hpa.minReplicas),
            allowed: `at most hpa.maxReplicas (${hpa.maxReplicas})`,
        });
    }
    if (strategy === "abtest" && raw.abtest === undefined) {
        problems.push({ key: "abtest", given: "nothing (missing)", allowed: "{header, value} or {cookie} for strategy abtest" });
    }
    const abtest = field(raw, "abtest");
    if (abtest !== undefined) {
        const byHeader = abtest.header !== undefined && abtest.value !== undefined;
        const halfHeader = (abtest.header === undefined) !== (abtest.value === undefined);
        if (halfHeader || (!byHeader && abtest.cookie === undefined)) {
            problems.push({ key: "abtest", given: JSON.stringify(raw.abtest), allowed: "{header, value} together, or {cookie}" });
        }
    }
    if (abtest !== undefined && abtest.valueMatch === "regex") {
        if (abtest.header === undefined) {
            problems.push({ key: "abtest.valueMatch", given: '"regex"', allowed: '"exact" unless abtest.header and abtest.value are set' });
        } else if (router?.limits?.noHeaderRegex !== undefined) {
            problems.push({ key: "abtest.valueMatch", given: '"regex"', allowed: `"exact" with traffic ${traffic} on ${platform} (${router.limits.noHeaderRegex})` });
        }
    }
    const shadow = field(raw, "shadow");
    const mirrorsEverything = router?.limits?.mirrorsEverything;
    if (strategy === "shadow" && platform !== undefined && mirrorsEverything !== undefined && shadow !== undefined && shadow.percent !== 100) {
        const sharing = providersFor("shadow", platform).filter((p) => declarationOf(platform, p)?.limits?.mirrorsEverything === undefined);
        problems.push({
            key: "shadow.percent",
            given: String(shadow.percent),
            allowed: `100 with traffic ${traffic} on ${platform} (${mirrorsEverything}); a share needs traffic ${sharing.join(" or ")}`,
        });
    }
    const monitoring = field(raw, "monitoring");
    const istio = field(raw, "istio");
    if (trafficGiven === "istio" && istio?.install !== false && monitoring !== undefined && !monitoring.enabled) {
        problems.push({
            key: "monitoring",
            given: JSON.stringify(raw.monitoring),
            allowed: "enabled with traffic istio (Kiali reads the mesh's metrics from the lab's Prometheus), unless istio.install is false",
        });
    }
    if (raw.renderYamlTo !== undefined && platform === "swarm") {
        problems.push({
            key: "renderYamlTo",
            given: JSON.stringify(raw.renderYamlTo),
            allowed: "only on a Kubernetes platform (kind or kubernetes)",
        });
    }
    return problems;
}
