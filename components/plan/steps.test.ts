import { strict as assert } from "assert";
import { LabConfigError, parseLabConfig } from "../labConfig";
import { loadStackConfig, knownStacks, withChange } from "../../tools/lib/stackFile";
import { comparisonPlan, rolloutPlan } from ".";
import { parseSteps } from "../../tools/lab/cliArgs";


describe("lab: step plan", () => {
    it("a canary steps the weight through measure.steps (default 10, 25, 50, 100) and rolls back to weight 0", () => {
        const plan = rolloutPlan(loadStackConfig("swarm-canary"));
        assert.deepEqual(
            plan.steps.map((s) => [s.index, s.share, s.change]),
            [10, 25, 50, 100].map((w, i) => [i + 1, w, { "rollout-lab:canary.weight": String(w) }]),
        );
        assert.deepEqual(plan.rollback.change, { "rollout-lab:canary.weight": "0" });
        assert.equal(plan.candidateVersion, "v2");
        assert.equal(plan.stableVersion, "v1");
    });

    it("takes the steps from the stack config or from --steps", () => {
        const cfg = parseLabConfig({ strategy: "canary", candidate: { version: "v2" }, measure: { steps: [5, 50, 100] } });
        assert.deepEqual(rolloutPlan(cfg).steps.map((s) => s.share), [5, 50, 100]);
        assert.deepEqual(rolloutPlan(cfg, parseSteps("20, 100")).steps.map((s) => s.share), [20, 100]);
    });

    it("blue/green is one step, the switch to green; rollback switches back to blue", () => {
        const plan = rolloutPlan(loadStackConfig("swarm-bluegreen"));
        assert.equal(plan.steps.length, 1);
        assert.deepEqual(plan.steps[0].change, { "rollout-lab:bluegreen.activeColor": "green" });
        assert.equal(plan.steps[0].share, 100);
        assert.deepEqual(plan.rollback.change, { "rollout-lab:bluegreen.activeColor": "blue" });
    });

    it("refuses strategies that have no share to step, naming the key, the value and what is allowed", () => {
        for (const strategy of ["recreate", "rolling", "abtest", "shadow"]) {
            const cfg = parseLabConfig({ platform: "swarm", strategy, candidate: { version: "v2" }, ...(strategy === "abtest" ? { abtest: { header: "X-B", value: "1" } } : {}) });
            assert.throws(() => rolloutPlan(cfg), new RegExp(`rollout-lab:strategy: got "${strategy}"; allowed: canary, bluegreen`));
        }
    });

    it("--steps must be whole numbers from 1 to 100, rising", () => {
        assert.deepEqual(parseSteps("10,25,50,100"), [10, 25, 50, 100]);
        for (const bad of ["", "0,50", "50,25", "10,10", "10,101", "a,b", "10.5,20", "10,,20"]) {
            assert.throws(() => parseSteps(bad), /--steps: got .*; allowed: a comma-separated list/, bad);
        }
    });

    it("the stack config refuses falling steps and a step wait under 10 s", () => {
        assert.throws(
            () => parseLabConfig({ candidate: { version: "v2" }, measure: { steps: [50, 10], stepWaitSeconds: 5 } }),
            (e: LabConfigError) =>
                e.problems.some((p) => p.key === "rollout-lab:measure.steps" && /each above the one before/.test(p.allowed)) &&
                e.problems.some((p) => p.key === "rollout-lab:measure.stepWaitSeconds" && p.allowed === "at least 10"),
        );
        const m = parseLabConfig({ candidate: { version: "v2" } }).measure;
        assert.deepEqual(m, {
            steps: [10, 25, 50, 100],
            stepWaitSeconds: 60,
            minRequests: 50,
            judge: "threshold",
            rollback: "immediate",
            rollbackPauseSeconds: 10,
            noDataTimeoutSeconds: 60,
            comparison: { alpha: 0.05, minSamples: 10, minEffect: 0.7, latencyTolerance: 0.2, errorRatioTolerance: 0.01 },
            loadRate: 20,
            pricing: { cpuHour: 0.04048, gbHour: 0.004445, currency: "USD" },
        });
    });

    it("every step of every canary and blue/green stack (and its rollback) passes the stack schema", () => {
        const stacks = knownStacks().filter((s) => /canary|bluegreen/.test(s));
        assert.ok(stacks.length >= 6, stacks.join(","));
        for (const stack of stacks) {
            const plan = rolloutPlan(loadStackConfig(stack));
            for (const change of [...plan.steps.map((s) => s.change), plan.rollback.change]) {
                const cfg = loadStackConfig(stack, undefined, change);
                const [k, v] = Object.entries(change)[0];
                assert.equal(k === "rollout-lab:canary.weight" ? String(cfg.canary.weight) : cfg.bluegreen.activeColor, v, `${stack} ${k}`);
            }
        }
    });

    it("withChange sets nested paths as `pulumi config set --path` does and keeps the rest", () => {
        const flat = { "rollout-lab:canary": '{"weight":10,"totalReplicas":4}', "rollout-lab:strategy": "canary" };
        const out = withChange(flat, { "rollout-lab:canary.weight": "25", "rollout-lab:swarm.update.order": "stop-first", "rollout-lab:release": "candidate" });
        assert.deepEqual(JSON.parse(out["rollout-lab:canary"]), { weight: "25", totalReplicas: 4 });
        assert.deepEqual(JSON.parse(out["rollout-lab:swarm"]), { update: { order: "stop-first" } });
        assert.equal(out["rollout-lab:release"], "candidate");
        assert.equal(flat["rollout-lab:canary"], '{"weight":10,"totalReplicas":4}', "input untouched");
    });

    it("withChange sets list items by index (`kind.loadImages[1]`), as `pulumi config set --path` does", () => {
        const out = withChange({ "rollout-lab:kind": '{"workers":1}' }, { "rollout-lab:kind.loadImages[0]": "a:1", "rollout-lab:kind.loadImages[1]": "b:2", "rollout-lab:x[0].y": "z" });
        assert.deepEqual(JSON.parse(out["rollout-lab:kind"]), { workers: 1, loadImages: ["a:1", "b:2"] });
        assert.deepEqual(JSON.parse(out["rollout-lab:x"]), [{ y: "z" }]);
        assert.deepEqual(loadStackConfig("kind-canary", undefined, { "rollout-lab:kind.loadImages[0]": "rollout-lab/prometheus:abc" }).kind.loadImages, ["rollout-lab/prometheus:abc"]);
    });

    it("lab compare: each Swarm strategy's change from v1 to v2, and the share v2 settles at", () => {
        const plans = Object.fromEntries(
            ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"].map((s) => [s, comparisonPlan(loadStackConfig(`swarm-${s}`))]),
        );
        assert.deepEqual(plans.recreate.changes.map((c) => c.change), [{ "rollout-lab:release": "candidate" }]);
        assert.deepEqual(plans.rolling.before, { "rollout-lab:release": "stable" });
        assert.deepEqual(plans.bluegreen.changes[0].change, { "rollout-lab:bluegreen.activeColor": "green" });
        assert.deepEqual(plans.canary.before, { "rollout-lab:canary.weight": "0" });
        assert.deepEqual(plans.canary.changes.map((c) => c.change["rollout-lab:canary.weight"]), ["10", "25", "50", "100"]);
        assert.deepEqual(plans.abtest.before, { "rollout-lab:abtest.value": "on-off" });
        assert.deepEqual(plans.abtest.probeHeaders, { headers: { "X-Canary": "on" }, share: 0.5 });
        assert.equal(plans.abtest.settledCandidateShare, 0.5);
        assert.deepEqual(plans.shadow.before, { "rollout-lab:shadow.percent": "1" });
        assert.equal(plans.shadow.settledCandidateShare, 0);
        for (const s of ["recreate", "rolling", "bluegreen", "canary"]) {
            assert.equal(plans[s].settledCandidateShare, 1, s);
        }
        // Every before and change config is a valid stack.
        for (const [s, plan] of Object.entries(plans)) {
            loadStackConfig(`swarm-${s}`, undefined, plan.before);
            plan.changes.forEach((c) => loadStackConfig(`swarm-${s}`, undefined, { ...plan.before, ...c.change }));
        }
    });

    it("lab compare refuses an A/B stack the probe cannot play the test group of (cookie or regex)", () => {
        const cfg = parseLabConfig({ platform: "swarm", strategy: "abtest", candidate: { version: "v2" }, abtest: { cookie: "beta" } });
        assert.throws(() => comparisonPlan(cfg), /rollout-lab:abtest: got \{"cookie":"beta".*allowed: for lab compare, an A\/B rule by header/);
    });
});
