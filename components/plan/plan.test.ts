import { strict as assert } from "assert";
import fc from "fast-check";
import { parseLabConfig, rawConfigFromPulumi } from "../labConfig";
import { exactReplicaSplit, labPlan, nearestExactWeights, rolloutPlan, routingFor, sharesOf, weightedSplit } from ".";
import { toPulumiConfig, withChange } from "../../tools/lib/stackFile";

/** A stack's flat config as Pulumi hands it to the program. */
const flatConfig = (settings: Record<string, unknown>) => toPulumiConfig(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`rollout-lab:${k}`, v])));

// The plan floor: what each strategy means, as literal expectations for a few configs, and properties
// that must hold for every config the schema accepts.

const v2 = { version: "v2" };
const shares = (plan: ReturnType<typeof labPlan>) => sharesOf(plan).map(({ release, share }) => [release.role, release.name, release.replicas, share]);

describe("plan: what each strategy means", () => {
    it("recreate and rolling run the live release alone, under the name demo-app", () => {
        const plan = labPlan(parseLabConfig({ strategy: "rolling", candidate: v2, release: "candidate" }), "weight");
        assert.deepEqual(plan.routing, { kind: "single", live: "candidate" });
        assert.deepEqual(shares(plan), [["candidate", "demo-app", 3, 100]]);
        assert.equal(plan.releases[0].version, "v2");
        assert.deepEqual(plan.releases[0].selector, {});
        assert.equal(plan.replacement, "rolling");
        assert.equal(labPlan(parseLabConfig({ strategy: "recreate", candidate: v2 }), "replicas").replacement, "recreate");
    });

    it("blue/green runs both colours; the active one takes everything, and the idle one can scale to zero", () => {
        const config = parseLabConfig({ strategy: "bluegreen", candidate: { version: "v2", replicas: 2 }, bluegreen: { activeColor: "green", scaleIdleToZero: true } });
        const plan = labPlan(config, "replicas");
        assert.deepEqual(plan.routing, { kind: "switch", active: "candidate" });
        assert.deepEqual(shares(plan), [["stable", "demo-blue", 0, 0], ["candidate", "demo-green", 2, 100]]);
        assert.deepEqual(plan.releases.map((r) => [r.color, r.selector]), [["blue", { "rollout-lab/color": "blue" }], ["green", { "rollout-lab/color": "green" }]]);
        assert.equal(weightedSplit(plan.routing), 100);
    });

    it("a canary split by replicas divides totalReplicas; split by weight keeps each release's own replicas", () => {
        const config = parseLabConfig({ strategy: "canary", candidate: { version: "v2", replicas: 1 }, canary: { weight: 30, totalReplicas: 10 } });
        assert.deepEqual(shares(labPlan(config, "replicas")), [["stable", "demo-stable", 7, 70], ["candidate", "demo-canary", 3, 30]]);
        assert.deepEqual(shares(labPlan(config, "weight")), [["stable", "demo-stable", 3, 70], ["candidate", "demo-canary", 1, 30]]);
        // 25% of 3 replicas is no whole number of pods: the fewest more that give 25% exactly are 4, and the plan says so.
        const odd = parseLabConfig({ strategy: "canary", candidate: v2, canary: { weight: 25, totalReplicas: 3 } });
        assert.deepEqual(shares(labPlan(odd, "replicas")), [["stable", "demo-stable", 3, 75], ["candidate", "demo-canary", 1, 25]]);
        assert.equal(
            labPlan(odd, "replicas").note,
            "canary.weight 25 is not a whole number of pods of canary.totalReplicas 3: 4 replicas (3 stable + 1 candidate) give exactly 25%",
        );
        assert.equal(labPlan(config, "replicas").note, undefined, "30% of 10 needs no word");
    });

    it("A/B sends matching requests to the candidate: header and cookie rules together", () => {
        const config = parseLabConfig({ strategy: "abtest", traffic: "nginx", candidate: v2, abtest: { header: "X-Group", value: "beta", cookie: "beta" } });
        const plan = labPlan(config, "weight");
        assert.deepEqual(plan.routing, { kind: "match", matches: [{ header: { name: "X-Group", value: "beta", regex: false } }, { cookie: "beta" }] });
        assert.deepEqual(shares(plan), [["stable", "demo-stable", 3, 100], ["candidate", "demo-canary", 3, 0]]);
        assert.equal(weightedSplit(plan.routing), undefined);
    });

    it("shadow copies a share of requests; stable answers all of them", () => {
        const plan = labPlan(parseLabConfig({ strategy: "shadow", traffic: "istio", candidate: v2, shadow: { percent: 40 } }), "weight");
        assert.deepEqual(plan.routing, { kind: "mirror", percent: 40 });
        assert.deepEqual(shares(plan), [["stable", "demo-stable", 3, 100], ["candidate", "demo-canary", 3, 0]]);
    });

    it("splits replicas to give the weight exactly, over the fewest replicas from totalReplicas up to the limit", () => {
        assert.deepEqual(exactReplicaSplit(10, 10, 20), { total: 10, stable: 9, candidate: 1 });
        assert.deepEqual(exactReplicaSplit(25, 10, 20), { total: 12, stable: 9, candidate: 3 });
        assert.deepEqual(exactReplicaSplit(5, 10, 20), { total: 20, stable: 19, candidate: 1 });
        assert.deepEqual(exactReplicaSplit(35, 10, 20), { total: 20, stable: 13, candidate: 7 });
        assert.deepEqual(exactReplicaSplit(0, 7, 7), { total: 7, stable: 7, candidate: 0 });
        assert.deepEqual(exactReplicaSplit(100, 7, 7), { total: 7, stable: 0, candidate: 7 });
        assert.equal(exactReplicaSplit(33, 10, 20), undefined, "33% needs 100 pods");
        assert.deepEqual(nearestExactWeights(33, 10, 20), [30, 35]);
        assert.deepEqual(nearestExactWeights(12, 4, 4), [0, 25]);
    });
});

describe("plan: properties over every config", () => {
    const weight = fc.integer({ min: 0, max: 100 });
    const replicas = fc.integer({ min: 0, max: 50 });
    const total = fc.integer({ min: 1, max: 100 });

    it("a replica split gives the weight exactly or the config is refused naming canary.weight, never a rounded share", () =>
        fc.assert(
            fc.property(weight, total, total, (w, a, b) => {
                const [min, max] = a <= b ? [a, b] : [b, a];
                let config;
                try {
                    config = parseLabConfig({ strategy: "canary", candidate: v2, canary: { weight: w, totalReplicas: min, maxTotalReplicas: max } });
                } catch (e) {
                    return /rollout-lab:canary\.weight: got \d+; allowed: a weight/.test(String(e)) && exactReplicaSplit(w, min, max) === undefined;
                }
                const [stable, candidate] = sharesOf(labPlan(config, "replicas"));
                const pods = stable.release.replicas + candidate.release.replicas;
                return candidate.share === w && stable.share === 100 - w && pods >= min && pods <= max;
            }),
        ));

    it("the shares of ordinary requests add up to 100 (to a tenth, where replica shares are rounded)", () =>
        fc.assert(
            fc.property(
                fc.constantFrom("recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"),
                fc.constantFrom("replicas", "weight") as fc.Arbitrary<"replicas" | "weight">,
                weight,
                total,
                replicas,
                replicas,
                fc.boolean(),
                (strategy, splitsBy, w, t, stableReplicas, candidateReplicas, green) => {
                    const config = parseLabConfig({
                        strategy,
                        traffic: strategy === "abtest" || strategy === "shadow" ? "istio" : "native",
                        stable: { version: "v1", replicas: stableReplicas },
                        candidate: { version: "v2", replicas: candidateReplicas },
                        canary: { weight: w, totalReplicas: t, maxTotalReplicas: 100 },
                        bluegreen: { activeColor: green ? "green" : "blue" },
                        abtest: { header: "X-Group", value: "beta" },
                    });
                    const plan = labPlan(config, splitsBy);
                    const sum = sharesOf(plan).reduce((n, s) => n + s.share, 0);
                    return Math.abs(sum - 100) <= 0.1 + 1e-9;
                },
            ),
        ));

    it("every step of a canary rollout gives the candidate the step's share, and rolling back gives it none", () =>
        fc.assert(
            fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 8 }), (raw) => {
                const steps = [...raw].sort((a, b) => a - b);
                const flat = flatConfig({ strategy: "canary", candidate: v2, canary: { maxTotalReplicas: 100 } });
                const plan = rolloutPlan(parseLabConfig(rawConfigFromPulumi(flat)), steps);
                const shareAfter = (change: Record<string, string>) => weightedSplit(routingFor(parseLabConfig(rawConfigFromPulumi(withChange(flat, change)))));
                return plan.steps.every((s) => shareAfter(s.change) === s.share) && shareAfter(plan.rollback.change) === 0;
            }),
        ));

    it("blue/green's step switches every request to green and its rollback back to blue", () => {
        const flat = flatConfig({ strategy: "bluegreen", candidate: v2 });
        const plan = rolloutPlan(parseLabConfig(rawConfigFromPulumi(flat)));
        const after = (change: Record<string, string>) => routingFor(parseLabConfig(rawConfigFromPulumi(withChange(flat, change))));
        assert.deepEqual(after(plan.steps[0].change), { kind: "switch", active: "candidate" });
        assert.deepEqual(after(plan.rollback.change), { kind: "switch", active: "stable" });
    });
});
