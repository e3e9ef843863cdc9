import { strict as assert } from "assert";
import { Thresholds, VersionHealth, decide } from "./decision";
import { Clock, RolloutEvent, runRollout } from "./rollout";
import { interruptedAdvice, resumedPlan } from "./command";
import { loadStackConfig } from "../../lib/stackFile";
import { rolloutPlan } from "../../../components/plan";

const thresholds: Thresholds = { errorRatio: 0.05, p95LatencySeconds: 0.5, minRequests: 50 };
const healthy = (requests = 200): VersionHealth => ({ version: "v2", requests, errorRatio: 0.01, p95LatencySeconds: 0.02 });

/** A clock that only moves when the loop sleeps: a step of 60 s runs in no time. */
function fakeClock(): Clock & { t: number } {
    const c = { t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
    return c;
}

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

describe("lab: rollout loop (fake engine, fake Prometheus)", () => {
    const plan = rolloutPlan(loadStackConfig("swarm-canary"));

    function run(health: (share: number, windowS: number) => VersionHealth, failApplyAt?: string, gradualRollbackPauseS?: number, stopWhen?: (applied: string[], t: number) => boolean) {
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
            gradualRollbackPauseS,
            ...(stopWhen !== undefined ? { stopRequested: () => (stopWhen(applied, clock.t) ? "SIGINT" : undefined) } : {}),
        });
        return { result, applied, events, clock };
    }

    it("rolls back gradually when asked: down through the shares passed, 10 s each, the judge watching, then all to stable", async () => {
        // Fails from 50% on: at 25% and 10% it is healthy again, so each step down holds.
        const { result, applied, events } = run((share) => (share >= 50 ? { ...healthy(), errorRatio: 0.3 } : healthy()), undefined, 10);
        const r = await result;
        assert.equal(r.outcome, "rolled-back");
        assert.deepEqual(applied, ["10", "25", "50", "25", "10", "0"]);
        assert.deepEqual(r.rollbackSteps, [25, 10]);
        assert.deepEqual(
            events.filter((e) => e.kind === "rollback-step").map((e) => (e.kind === "rollback-step" ? [e.step.share, e.verdict.action] : [])),
            [[25, "wait"], [10, "wait"]],
        );
        // Each step down: its apply (5 s on the fake engine) and its 10 s hold; then the last apply.
        assert.equal(r.rolledBackAtMs! - r.rollbackStartedAtMs!, 2 * (5000 + 10000) + 5000);
    });

    it("a gradual rollback cuts to stable at once where the candidate still fails at a lower share", async () => {
        const { result, applied } = run((share) => (share >= 10 ? { ...healthy(), errorRatio: 0.3 } : healthy()), undefined, 10);
        const r = await result;
        assert.deepEqual(applied, ["10", "0"], "failed at the first step: nothing to step down through");
        // Broken from the 50% step on, whatever the share: at 25% it still fails, and the rest is cut.
        let broken = false;
        const later = run((share) => ((broken ||= share >= 50) ? { ...healthy(), errorRatio: 0.3 } : healthy()), undefined, 10);
        const r2 = await later.result;
        assert.deepEqual(later.applied, ["10", "25", "50", "25", "0"]);
        assert.deepEqual(r2.rollbackSteps, [25]);
        assert.match(r2.reasons.at(-1)!, /^cut to stable at weight 25%: error ratio of v2 is 30\.0%, above 5\.0%/);
        assert.equal(r.outcome, "rolled-back");
    });

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

    describe("Prometheus gone mid-step (measure.noDataTimeoutSeconds)", () => {
        /** A rollout whose figures cannot be read from `downFromS` to `upAtS` seconds of the fake clock. */
        async function withOutage(downFromS: number, upAtS: number, noDataTimeoutS = 60) {
            const clock = fakeClock();
            const applied: string[] = [];
            const events: RolloutEvent[] = [];
            const result = await runRollout({
                plan,
                thresholds,
                stepWaitS: 60,
                pollS: 15,
                clock,
                noDataTimeoutS,
                target: { apply: async (change) => void (applied.push(change["rollout-lab:canary.weight"]), (clock.t += 5000)) },
                health: async () => {
                    if (clock.t >= downFromS * 1000 && clock.t < upAtS * 1000) {
                        throw new Error("Prometheus at http://127.0.0.1:9090: connect ECONNREFUSED 127.0.0.1:9090\nmore");
                    }
                    return healthy();
                },
                onEvent: (e) => events.push(e),
            });
            const holds = events.filter((e): e is Extract<RolloutEvent, { kind: "no-data" }> => e.kind === "no-data");
            return { result, applied, holds, clock };
        }

        it("gone through a step's end: the step holds, is never promoted while there is no data, and rolls back at the timeout it names", async () => {
            // The first step goes live at 5 s; Prometheus is gone from 30 s on, for good.
            const { result, applied, holds } = await withOutage(30, Infinity);
            assert.equal(result.outcome, "rolled-back");
            assert.deepEqual(applied, ["10", "0"], "no step after the first; then all to stable");
            assert.deepEqual(result.reasons, ["no data for 60 s (measure.noDataTimeoutSeconds 60): Prometheus at http://127.0.0.1:9090: connect ECONNREFUSED 127.0.0.1:9090"]);
            // Polls at 35, 50, 65 (the step's end: held, not promoted), 80, 95 s: held 0, 15, 30, 45 and 60 s.
            assert.deepEqual(holds.map((h) => h.forS), [0, 15, 30, 45, 60]);
            assert.ok(holds.every((h) => h.step.share === 10 && h.timeoutS === 60));
            assert.ok(!result.steps.some((s) => s.verdict.action === "promote"), "nothing promoted on missing data");
        });

        it("back before the timeout: the hold ends, the step is judged on its data and the rollout goes on", async () => {
            // Gone from 30 s to 70 s: the first step's end (65 s) is held, judged at 80 s, promoted.
            const { result, applied, holds } = await withOutage(30, 70);
            assert.equal(result.outcome, "promoted");
            assert.deepEqual(applied, plan.steps.map((s) => String(s.share)));
            assert.deepEqual(holds.map((h) => h.forS), [0, 15, 30]);
            assert.equal(result.steps[0].decidedAtMs, 80_000, "the first step is promoted at the first poll with data");
        });

        it("a shorter timeout rolls back sooner", async () => {
            const { result, holds } = await withOutage(30, Infinity, 20);
            assert.equal(result.outcome, "rolled-back");
            assert.deepEqual(holds.map((h) => h.forS), [0, 15, 30]);
            assert.match(result.reasons[0], /^no data for 30 s \(measure\.noDataTimeoutSeconds 20\)/);
        });
    });

    describe("interrupted (SIGINT, SIGTERM) and resumed", () => {
        /** A rollout asked to stop when `stopWhen` first holds; `failApply` makes that step's update fail (the signal reached it). */
        async function interruptedRun(stopWhen: (applied: string[], t: number) => boolean, failApply?: string) {
            const { result, applied } = run(() => healthy(), failApply, undefined, stopWhen);
            return { result: await result, applied };
        }

        it("during a step's checks: stops there, the stack left at that step, nothing rolled back", async () => {
            // Steps go live at 5 s (10%) and 70 s (25%); asked to stop at 80 s, during 25%'s checks.
            const { result, applied } = await interruptedRun((_a, t) => t >= 80_000);
            assert.equal(result.outcome, "interrupted");
            assert.deepEqual(applied, ["10", "25"], "no further step, no rollback");
            assert.equal(result.interruptedAt?.share, 25);
            assert.equal(result.cancelledStep, undefined);
            assert.deepEqual(result.reasons, ["SIGINT: stopped at weight 25%"]);
            assert.deepEqual(result.steps.map((s) => s.step.share), [10], "only 10% was judged");
        });

        it("during an update that the signal cancelled: names the cancelled step, no rollback; before the first step: nothing applied", async () => {
            const cancelled = await interruptedRun((a) => a.includes("25"), "25");
            assert.equal(cancelled.result.outcome, "interrupted");
            assert.deepEqual(cancelled.applied, ["10", "25"]);
            assert.equal(cancelled.result.interruptedAt?.share, 10);
            assert.equal(cancelled.result.cancelledStep?.share, 25);
            assert.deepEqual(cancelled.result.reasons, ["SIGINT: stopped at weight 10%; the update of weight 25% was cancelled"]);
            const early = await interruptedRun(() => true);
            assert.deepEqual([early.result.outcome, early.applied, early.result.interruptedAt], ["interrupted", [], undefined]);
        });

        it("--resume continues from the stack's step (that step judged again); what the user is told", async () => {
            const at25 = loadStackConfig("swarm-canary", undefined, { "rollout-lab:canary.weight": "25" });
            assert.deepEqual(
                resumedPlan(rolloutPlan(at25, [10, 25, 50, 100]), at25).steps.map((s) => [s.index, s.share]),
                [
                    [1, 25],
                    [2, 50],
                    [3, 100],
                ],
            );
            const green = loadStackConfig("swarm-bluegreen", undefined, { "rollout-lab:bluegreen.activeColor": "green" });
            assert.deepEqual(resumedPlan(rolloutPlan(green), green).steps, [], "already switched: nothing left");
            const { result } = await interruptedRun((_a, t) => t >= 80_000);
            assert.equal(
                interruptedAdvice("swarm-canary", plan, result),
                [
                    "interrupted: the stack and stacks/Pulumi.swarm-canary.yaml are at weight 25% (rollout-lab:canary.weight=25), not yet judged.",
                    "  continue: npx lab rollout swarm-canary --resume   (from weight 25%, judged again)",
                    "  roll back: pulumi config set --path rollout-lab:canary.weight 0 -s swarm-canary && npx lab up swarm-canary   (weight 0% (all to stable); rollout-lab:canary.weight)",
                ].join("\n"),
            );
        });
    });
});
