// What config validation asks the routers (config/ knows no router): the router a stack gets when it
// names none, and what the stack's router declares it cannot do with the stack's keys. Every rule reads
// a declaration (components/routers/*/declaration.ts); there is no table of routers here.
import { CrossProblem, LabConfigInput, RouterRules, fieldOf } from "../config";
import { exactReplicaSplit, nearestExactWeights } from "../vocabulary/replicaSplit";
import { canRun, declarationOf, defaultProvider, providersFor, providersOn } from "./capabilities";

/** Problems of a stack's keys under its router; each rule runs when the keys it reads are valid on their own. */
export function routerProblems(raw: Record<string, unknown>): CrossProblem[] {
    const problems: CrossProblem[] = [];
    const platform = fieldOf(raw, "platform");
    const strategy = fieldOf(raw, "strategy");
    const trafficGiven = fieldOf(raw, "traffic");
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
    const abtest = fieldOf(raw, "abtest");
    if (abtest?.valueMatch === "regex" && abtest.header !== undefined && router?.limits?.noHeaderRegex !== undefined) {
        problems.push({ key: "abtest.valueMatch", given: '"regex"', allowed: `"exact" with traffic ${traffic} on ${platform} (${router.limits.noHeaderRegex})` });
    }
    const shadow = fieldOf(raw, "shadow");
    const mirrorsEverything = router?.limits?.mirrorsEverything;
    if (strategy === "shadow" && platform !== undefined && mirrorsEverything !== undefined && shadow !== undefined && shadow.percent !== 100) {
        const sharing = providersFor("shadow", platform).filter((p) => declarationOf(platform, p)?.limits?.mirrorsEverything === undefined);
        problems.push({
            key: "shadow.percent",
            given: String(shadow.percent),
            allowed: `100 with traffic ${traffic} on ${platform} (${mirrorsEverything}); a share needs traffic ${sharing.join(" or ")}`,
        });
    }
    const canary = fieldOf(raw, "canary");
    const noSticky = router?.limits?.noSticky;
    if (strategy === "canary" && platform !== undefined && canary?.sticky === true && noSticky !== undefined) {
        const sticky = providersFor("canary", platform).filter((p) => declarationOf(platform, p)?.limits?.noSticky === undefined);
        const others = sticky.length > 0 ? `sticky needs traffic ${sticky.join(" or ")} on ${platform}` : `no router on ${platform} keeps a user on one version yet (HAProxy on Swarm does)`;
        problems.push({ key: "canary.sticky", given: "true", allowed: `false with traffic ${traffic} on ${platform} (${noSticky}); ${others}` });
    }
    const stickyWhen = router?.limits?.noStickyWhen;
    if (strategy === "canary" && canary?.sticky === true && stickyWhen !== undefined && setting(raw, stickyWhen.key) === stickyWhen.equals) {
        problems.push({ key: "canary.sticky", given: "true", allowed: `false with traffic ${traffic} and ${stickyWhen.key} ${stickyWhen.equals} (${stickyWhen.why}); sticky needs another ${stickyWhen.key}` });
    }
    problems.push(...replicaSplitProblems(raw, strategy, router?.splitsBy, `traffic ${traffic} on ${platform}`));
    const needs = router?.needsMonitoring;
    const monitoring = fieldOf(raw, "monitoring");
    if (needs !== undefined && monitoring !== undefined && !monitoring.enabled && !waived(raw, needs.unless)) {
        problems.push({
            key: "monitoring",
            given: JSON.stringify(raw.monitoring),
            allowed: `enabled with traffic ${traffic} (${needs.why})${needs.unless === undefined ? "" : `, unless ${needs.unless.key} is ${needs.unless.equals}`}`,
        });
    }
    return problems;
}

type SectionKey = keyof LabConfigInput & string;

/** `<section>.<key>` as the schema reads it (defaults filled; a value it coerces, "false" from a flag, as what it means). */
function setting(raw: Record<string, unknown>, path: string): unknown {
    const [section, key] = path.split(".") as [SectionKey, string];
    const value = fieldOf(raw, section) as Record<string, unknown> | undefined;
    return value?.[key];
}

/** Whether the stack sets `<section>.<key>` to the value that lifts a router's need. */
function waived(raw: Record<string, unknown>, unless: { key: string; equals: boolean } | undefined): boolean {
    return unless !== undefined && setting(raw, unless.key) === unless.equals;
}

/**
 * A canary split by replica ratio gives its weight exactly or is refused (never rounded): the weight
 * and every `lab rollout` step must be a whole number of pods of some total from canary.totalReplicas to
 * canary.maxTotalReplicas; and an autoscaler would move the ratio under the lab's feet.
 */
function replicaSplitProblems(raw: Record<string, unknown>, strategy: string | undefined, splitsBy: string | undefined, router: string): CrossProblem[] {
    const canary = fieldOf(raw, "canary");
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
    const steps = given ? fieldOf(raw, "measure")?.steps ?? [] : [];
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

/** The rules config validation asks: components/labConfig passes them to the config's parse. */
export const routerRules: RouterRules = { defaultTraffic: defaultProvider, problems: routerProblems };
