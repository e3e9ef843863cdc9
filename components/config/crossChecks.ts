import { z } from "zod";
import { canRun, declarationOf, defaultProvider, providersFor, providersOn } from "./capabilities";
import { labConfigSchema } from "./schema";
import { exactReplicaSplit, nearestExactWeights } from "../vocabulary/replicaSplit";

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
    problems.push(...replicaSplitProblems(raw, strategy, router?.splitsBy, `traffic ${traffic} on ${platform}`));
    const kind = field(raw, "kind");
    if (platform === "kind" && kind?.podNetwork === "bridge" && kind.nodeImage === undefined) {
        // Stock kindest/node has kindnetd and not the lab's pod-network service: its nodes would never be Ready.
        problems.push({ key: "kind.podNetwork", given: '"bridge"', allowed: '"kindnetd" with kind\'s own node image, or "bridge" with kind.nodeImage set to one scripts/kind-node.sh built' });
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

/**
 * A canary split by replica ratio gives its weight exactly or is refused (never rounded): the weight
 * and every `lab rollout` step must be a whole number of pods of some total from canary.totalReplicas to
 * canary.maxTotalReplicas; and an autoscaler would move the ratio under the lab's feet.
 */
function replicaSplitProblems(raw: Record<string, unknown>, strategy: string | undefined, splitsBy: string | undefined, router: string): CrossProblem[] {
    const canary = field(raw, "canary");
    if (strategy !== "canary" || splitsBy !== "replicas" || canary === undefined) {
        return [];
    }
    const problems: CrossProblem[] = [];
    const { totalReplicas: min, maxTotalReplicas: max } = canary;
    if (max < min) {
        return [{ key: "canary.maxTotalReplicas", given: String(max), allowed: `at least canary.totalReplicas (${min})` }];
    }
    const unexact = (weight: number) => exactReplicaSplit(weight, min, max) === undefined;
    const why = (weight: number) => {
        const [below, above] = nearestExactWeights(weight, min, max);
        const fewest = 100 / gcd(weight, 100);
        const needed = Math.ceil(min / fewest) * fewest;
        return `a weight ${min} to ${max} replicas give exactly with ${router}, which splits by replica ratio: nearest ${below} or ${above}; ${weight} needs ${needed} replicas (raise canary.maxTotalReplicas to ${needed}), or route by weight (traffic traefik)`;
    };
    if (unexact(canary.weight)) {
        problems.push({ key: "canary.weight", given: String(canary.weight), allowed: why(canary.weight) });
    }
    // Steps the stack file sets; the defaults are checked by `lab rollout` before its first step.
    const given = raw.measure !== null && typeof raw.measure === "object" && "steps" in raw.measure;
    const steps = given ? field(raw, "measure")?.steps ?? [] : [];
    const badSteps = steps.filter(unexact);
    if (badSteps.length > 0) {
        problems.push({ key: "measure.steps", given: JSON.stringify(steps), allowed: `each step (${badSteps[0]} is not) ${why(badSteps[0])}` });
    }
    if (raw.hpa !== undefined) {
        problems.push({
            key: "hpa",
            given: JSON.stringify(raw.hpa),
            allowed: `no autoscaler for a canary split by replica ratio (${router}): it scales each release on its own load and the split stops being canary.weight; route by weight (traffic traefik) to autoscale`,
        });
    }
    return problems;
}

function gcd(a: number, b: number): number {
    return b === 0 ? a : gcd(b, a % b);
}
