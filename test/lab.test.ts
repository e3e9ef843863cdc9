import { strict as assert } from "assert";
import { LabConfigError, parseLabConfig } from "../components/labConfig";
import { integrate, replicaFigures, resourceCost, sumSeries } from "../tools/lab/cost";
import { Thresholds, VersionHealth, decide } from "../tools/lab/decision";
import { Clock, RolloutEvent, runRollout } from "../tools/lab/rollout";
import { balancesPerConnection, loadStackConfig, knownStacks, withChange } from "../tools/lab/stackFile";
import { comparisonPlan, rolloutPlan } from "../components/plan";
import { parseSteps } from "../tools/lab/cliArgs";

const thresholds: Thresholds = { errorRatio: 0.05, p95LatencySeconds: 0.5, minRequests: 50 };
const healthy = (requests = 200): VersionHealth => ({ version: "v2", requests, errorRatio: 0.01, p95LatencySeconds: 0.02 });

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
        assert.deepEqual(m, { steps: [10, 25, 50, 100], stepWaitSeconds: 60, minRequests: 50, loadRate: 20, pricing: { cpuHour: 0.04048, gbHour: 0.004445, currency: "USD" } });
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

describe("lab: decision rule", () => {
    it("promotes a healthy candidate once the step's time is up, and waits before", () => {
        const v = decide(healthy(), thresholds, true);
        assert.equal(v.action, "promote");
        assert.match(v.reasons[0], /v2 over 200 requests: error ratio 1\.0% <= 5\.0%, p95 20 ms <= 500 ms/);
        assert.equal(decide(healthy(), thresholds, false).action, "wait");
    });

    it("rolls back on an error ratio above the threshold, at once, naming the figure and the key", () => {
        const v = decide({ ...healthy(), errorRatio: 0.3 }, thresholds, false);
        assert.equal(v.action, "rollback");
        assert.deepEqual(v.reasons, ["error ratio of v2 is 30.0%, above 5.0% (monitoring.alerts.errorRatio)"]);
    });

    it("rolls back on p95 latency above the threshold; both breaches are named", () => {
        assert.deepEqual(decide({ ...healthy(), p95LatencySeconds: 0.75 }, thresholds, true).reasons, [
            "p95 latency of v2 is 750 ms, above 500 ms (monitoring.alerts.p95LatencySeconds)",
        ]);
        assert.equal(decide({ ...healthy(), errorRatio: 0.2, p95LatencySeconds: 0.9 }, thresholds, true).reasons.length, 2);
    });

    it("the thresholds themselves pass (no worse than the threshold)", () => {
        assert.equal(decide({ ...healthy(), errorRatio: 0.05, p95LatencySeconds: 0.5 }, thresholds, true).action, "promote");
    });

    it("too few requests: wait during the step, roll back when its time is up; a breach with too few requests is not judged", () => {
        assert.equal(decide({ ...healthy(49), errorRatio: 1 }, thresholds, false).action, "wait");
        const v = decide(healthy(49), thresholds, true);
        assert.equal(v.action, "rollback");
        assert.match(v.reasons[0], /only 49 requests reached v2 .* at least 50 needed \(measure\.minRequests\): nothing shows it is healthy/);
        assert.equal(decide({ version: "v2", requests: null, errorRatio: null, p95LatencySeconds: null }, thresholds, true).action, "rollback");
    });

    it("a figure that cannot be read with enough traffic is a failure, not a pass", () => {
        assert.equal(decide({ ...healthy(), p95LatencySeconds: null }, thresholds, true).action, "rollback");
        assert.equal(decide({ ...healthy(), errorRatio: null }, thresholds, true).action, "rollback");
    });
});

describe("lab: cost model", () => {
    it("integrates a series by trapezoids", () => {
        assert.equal(integrate([]), 0);
        assert.equal(integrate([{ t: 0, value: 5 }]), 0);
        assert.equal(integrate([{ t: 0, value: 2 }, { t: 10, value: 2 }]), 20);
        assert.equal(integrate([{ t: 10, value: 4 }, { t: 0, value: 0 }, { t: 20, value: 4 }]), 20 + 40, "sorted first");
    });

    it("peak replicas and replica-seconds above the stable release's own copies", () => {
        // 3 copies, 6 for 10 s (blue/green: both colours), back to 3.
        const total = [0, 5, 10, 15, 20, 25].map((t) => ({ t, value: t >= 5 && t <= 15 ? 6 : 3 }));
        const f = replicaFigures(total, 3);
        assert.equal(f.peak, 6);
        assert.equal(f.extraReplicaSeconds, 1.5 * 5 + 3 * 10 + 1.5 * 5);
        assert.deepEqual(replicaFigures([{ t: 0, value: 2 }, { t: 10, value: 2 }], 3), { peak: 2, extraReplicaSeconds: 0 }, "copies below the baseline are not credited");
        assert.deepEqual(replicaFigures([], 3), { peak: null, extraReplicaSeconds: 0 });
    });

    it("prices CPU core-hours and GB-hours", () => {
        const hour = [{ t: 0, value: 0 }, { t: 3600, value: 0 }];
        const cpu = hour.map((p) => ({ ...p, value: 2 })); // 2 cores for an hour
        const mem = hour.map((p) => ({ ...p, value: 4 * 1024 ** 3 })); // 4 GiB for an hour
        const c = resourceCost(cpu, mem, { cpuHour: 0.04, gbHour: 0.005, currency: "EUR" });
        assert.equal(c.cpuCoreSeconds, 7200);
        assert.equal(c.memoryGbSeconds, 4 * 3600);
        assert.ok(Math.abs(c.cpuCost - 0.08) < 1e-12 && Math.abs(c.memoryCost - 0.02) < 1e-12 && Math.abs(c.total - 0.1) < 1e-12, JSON.stringify(c));
        assert.equal(c.currency, "EUR");
        assert.throws(() => resourceCost(cpu, mem, { cpuHour: -1, gbHour: 0, currency: "USD" }), /measure\.pricing\.cpuHour: got -1; allowed: a price of 0 or more/);
    });

    it("adds per-version series on their common timestamps", () => {
        assert.deepEqual(sumSeries([[{ t: 0, value: 1 }, { t: 5, value: 2 }], [{ t: 5, value: 3 }, { t: 10, value: 1 }]]), [
            { t: 0, value: 1 },
            { t: 5, value: 5 },
            { t: 10, value: 1 },
        ]);
    });
});

/** A clock that only moves when the loop sleeps: a step of 60 s runs in no time. */
function fakeClock(): Clock & { t: number } {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    return c;
}

describe("lab: rollout loop (fake engine, fake Prometheus)", () => {
    const plan = rolloutPlan(loadStackConfig("swarm-canary"));

    function run(health: (share: number, windowS: number) => VersionHealth, failApplyAt?: string) {
        const applied: string[] = [];
        const events: RolloutEvent[] = [];
        let share = 0;
        const clock = fakeClock();
        const result = runRollout({
            plan,
            thresholds,
            stepWaitS: 60,
            pollS: 15,
            clock,
            target: {
                apply: async (change) => {
                    const w = change["rollout-lab:canary.weight"];
                    applied.push(w);
                    if (w === failApplyAt) {
                        throw new Error("pulumi up failed: boom\nmore");
                    }
                    share = Number(w);
                    clock.t += 5000;
                },
            },
            health: async (windowS) => health(share, windowS),
            onEvent: (e) => events.push(e),
        });
        return { result, applied, events, clock };
    }

    it("promotes a healthy candidate through every step, judging each after its full wait", async () => {
        const { result, applied, events, clock } = run(() => healthy());
        const r = await result;
        assert.equal(r.outcome, "promoted");
        assert.deepEqual(applied, ["10", "25", "50", "100"]);
        assert.deepEqual(r.steps.map((s) => s.verdict.action), ["promote", "promote", "promote", "promote"]);
        const checks = events.filter((e) => e.kind === "check");
        assert.equal(checks.length, 16, "4 checks per step: at 15, 30, 45 and 60 s");
        assert.deepEqual(checks.slice(0, 4).map((e) => e.kind === "check" && e.elapsedS), [15, 30, 45, 60]);
        assert.equal(clock.t, 4 * (5000 + 60000));
    });

    it("rolls a bad candidate back at the first breach and applies no further step", async () => {
        const { result, applied } = run((share) => (share >= 25 ? { ...healthy(), errorRatio: 0.3 } : healthy()));
        const r = await result;
        assert.equal(r.outcome, "rolled-back");
        assert.equal(r.failedStep?.share, 25);
        assert.deepEqual(applied, ["10", "25", "0"], "step 10, step 25, then the rollback to weight 0");
        assert.match(r.reasons[0], /error ratio of v2 is 30\.0%/);
        assert.equal(r.steps.at(-1)?.decidedAtMs, 5000 + 60000 + 5000 + 15000, "decided at the first check of the step, not after its full wait");
        assert.ok(r.rolledBackAtMs! > r.steps.at(-1)!.decidedAtMs);
    });

    it("a step with too little traffic is rolled back when its time is up", async () => {
        const r = await run((share) => (share >= 50 ? healthy(10) : healthy())).result;
        assert.equal(r.outcome, "rolled-back");
        assert.equal(r.failedStep?.share, 50);
        assert.match(r.reasons[0], /only 10 requests/);
    });

    it("a failed update rolls back and says which step failed", async () => {
        const { result, applied } = run(() => healthy(), "50");
        const r = await result;
        assert.equal(r.outcome, "rolled-back");
        assert.deepEqual(applied, ["10", "25", "50", "0"]);
        assert.deepEqual(r.reasons, ["the update for step 3 (weight 50%) failed: pulumi up failed: boom"]);
    });

    it("asks for the figures over the time since the step went live, at most the step's wait", async () => {
        const windows: number[] = [];
        await runRollout({
            plan: rolloutPlan(loadStackConfig("swarm-bluegreen")),
            thresholds,
            stepWaitS: 40,
            pollS: 15,
            clock: fakeClock(),
            target: { apply: async () => undefined },
            health: async (w) => (windows.push(w), healthy()),
        });
        assert.deepEqual(windows, [15, 30, 40]);
    });
});

describe("lab: how the probe connects", () => {
    it("opens a new connection per request where kube-proxy balances connections (native kind), not behind a proxy", () => {
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-rolling")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-nginx")), false);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-istio")), false);
        assert.equal(balancesPerConnection(loadStackConfig("swarm-canary")), false);
    });
});
