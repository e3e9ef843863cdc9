// `lab rollout`: apply each step of the plan, watch the candidate for the step's time, then promote to
// the next step or roll back. What applies a step (a `pulumi up` through the Automation API, in the CLI)
// and where the figures come from (Prometheus) are passed in, so the loop itself is tested with fakes.
import { Thresholds, Verdict, VersionHealth } from "./decision";
import { Judge, thresholdJudge } from "./judge";
import { ConfigChange, RolloutPlan, RolloutStep } from "../../../components/plan";

export interface RolloutTarget {
    /** Sets these config values and brings the stack up to date; resolves once the change is live. */
    apply(change: ConfigChange, label: string): Promise<void>;
}

/** The candidate's figures over the last `windowS` seconds. */
export type HealthSource = (windowS: number) => Promise<VersionHealth>;

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export type RolloutEvent =
    | { kind: "apply"; step: RolloutStep; of: number }
    | { kind: "check"; step: RolloutStep; elapsedS: number; health: VersionHealth; verdict: Verdict }
    | { kind: "rollback"; step: RolloutStep; reasons: string[] }
    /** A gradual rollback's step down to a share already passed, and what the judge saw there. */
    | { kind: "rollback-step"; step: RolloutStep; verdict: Verdict }
    | { kind: "rolled-back" }
    /** The judge's data could not be read (Prometheus gone): the step holds, neither promoted nor judged, until the timeout. */
    | { kind: "no-data"; step: RolloutStep; error: string; forS: number; timeoutS: number }
    /** Stopped by a signal: the last step whose update completed, and the one whose update it cancelled. */
    | { kind: "interrupted"; signal: string; at?: RolloutStep; cancelled?: RolloutStep }
    | { kind: "promoted" };

export interface StepRecord {
    step: RolloutStep;
    /** ms since the rollout started. */
    appliedAtMs: number;
    decidedAtMs: number;
    health: VersionHealth | null;
    verdict: Verdict;
}

export interface RolloutResult {
    /** interrupted: a signal stopped it; the stack is left at `interruptedAt` (the last step whose update completed). */
    outcome: "promoted" | "rolled-back" | "interrupted";
    /** The step that failed, for a rollback. */
    failedStep?: RolloutStep;
    reasons: string[];
    steps: StepRecord[];
    /** ms since the rollout started when the rollback's `pulumi up` returned. */
    rolledBackAtMs?: number;
    /** ms since the rollout started when the rollback began (the failed step's decision). */
    rollbackStartedAtMs?: number;
    /** A gradual rollback's steps down, by share, before all went to stable. */
    rollbackSteps?: number[];
    /** interrupted: the last step whose update completed (none: stopped before the first). */
    interruptedAt?: RolloutStep;
    /** interrupted during a step's update, which the signal cancelled: that step's update did not complete. */
    cancelledStep?: RolloutStep;
}

interface RolloutBase {
    plan: RolloutPlan;
    /** measure.stepWaitSeconds: each step runs this long before it can be promoted. */
    stepWaitS: number;
    /** How often the candidate is checked during a step (a breach rolls back at once). */
    pollS: number;
    target: RolloutTarget;
    clock?: Clock;
    onEvent?: (e: RolloutEvent) => void;
    /** measure.rollback "gradual": back down through the steps passed, holding each this long (measure.rollbackPauseSeconds). */
    gradualRollbackPauseS?: number;
    /** measure.noDataTimeoutSeconds: how long a step holds while its data cannot be read, before it is rolled back. */
    noDataTimeoutS?: number;
    /**
     * A stop asked for (SIGINT, SIGTERM): its name, else undefined. Looked at before each step, at each poll
     * and when an update fails; a rollback under way always completes.
     */
    stopRequested?: () => string | undefined;
}

/** The default of measure.noDataTimeoutSeconds. */
export const defaultNoDataTimeoutS = 60;

/** A judge (measure.judge), or the thresholds' judge over a health source. */
export type RolloutOptions = RolloutBase & ({ judge: Judge } | { thresholds: Thresholds; health: HealthSource });

export async function runRollout(o: RolloutOptions): Promise<RolloutResult> {
    const clock = o.clock ?? realClock;
    const judge = "judge" in o ? o.judge : thresholdJudge(o.health, o.thresholds);
    const t0 = clock.now();
    const since = () => clock.now() - t0;
    const steps: StepRecord[] = [];

    const rollBack = async (step: RolloutStep, reasons: string[]): Promise<RolloutResult> => {
        const rollbackStartedAtMs = since();
        o.onEvent?.({ kind: "rollback", step, reasons });
        const rollbackSteps: number[] = [];
        if (o.gradualRollbackPauseS !== undefined) {
            // Back through the shares already passed, highest first; the judge watches each.
            for (const down of o.plan.steps.filter((s) => s.index < step.index).reverse()) {
                await o.target.apply(down.change, `${down.label} (rolling back)`);
                rollbackSteps.push(down.share);
                const heldAt = clock.now();
                await clock.sleep(o.gradualRollbackPauseS * 1000);
                // Data that cannot be read stops the way down: all to stable at once.
                const verdict = await judge((clock.now() - heldAt) / 1000, false).then(
                    (r) => r.verdict,
                    (e: Error): Verdict => ({ action: "rollback", reasons: [`no data (${e.message.split("\n")[0]})`] }),
                );
                o.onEvent?.({ kind: "rollback-step", step: down, verdict });
                if (verdict.action === "rollback") {
                    reasons = [...reasons, `cut to stable at ${down.label}: ${verdict.reasons.join("; ")}`];
                    break;
                }
            }
        }
        await o.target.apply(o.plan.rollback.change, o.plan.rollback.label);
        o.onEvent?.({ kind: "rolled-back" });
        return { outcome: "rolled-back", failedStep: step, reasons, steps, rolledBackAtMs: since(), rollbackStartedAtMs, rollbackSteps };
    };

    let lastApplied: RolloutStep | undefined;
    const interrupted = (signal: string, cancelled?: RolloutStep): RolloutResult => {
        const at = lastApplied === undefined ? "before the first step" : `at ${lastApplied.label}`;
        const reasons = [`${signal}: stopped ${at}${cancelled !== undefined ? `; the update of ${cancelled.label} was cancelled` : ""}`];
        o.onEvent?.({ kind: "interrupted", signal, at: lastApplied, cancelled });
        return { outcome: "interrupted", reasons, steps, ...(lastApplied !== undefined ? { interruptedAt: lastApplied } : {}), ...(cancelled !== undefined ? { cancelledStep: cancelled } : {}) };
    };

    for (const step of o.plan.steps) {
        const stopBefore = o.stopRequested?.();
        if (stopBefore !== undefined) {
            return interrupted(stopBefore);
        }
        o.onEvent?.({ kind: "apply", step, of: o.plan.steps.length });
        const appliedAtMs = since();
        try {
            await o.target.apply(step.change, step.label);
            lastApplied = step;
        } catch (e) {
            const stopDuring = o.stopRequested?.();
            if (stopDuring !== undefined) {
                // The signal reached the update too (a terminal's Ctrl-C goes to the whole process group).
                return interrupted(stopDuring, step);
            }
            const reasons = [`the update for step ${step.index} (${step.label}) failed: ${(e as Error).message.split("\n")[0]}`];
            steps.push({ step, appliedAtMs, decidedAtMs: since(), health: null, verdict: { action: "rollback", reasons } });
            return rollBack(step, reasons);
        }
        const liveAt = clock.now();
        const noDataTimeoutS = o.noDataTimeoutS ?? defaultNoDataTimeoutS;
        let noDataSince: number | undefined;
        for (;;) {
            const left = o.stepWaitS * 1000 - (clock.now() - liveAt);
            // Past the step's time only while holding for data: poll at the usual pace.
            await clock.sleep(left > 0 ? Math.min(o.pollS * 1000, left) : o.pollS * 1000);
            const stopInStep = o.stopRequested?.();
            if (stopInStep !== undefined) {
                return interrupted(stopInStep);
            }
            const elapsedS = (clock.now() - liveAt) / 1000;
            const final = elapsedS >= o.stepWaitS;
            let judged: Awaited<ReturnType<Judge>>;
            try {
                judged = await judge(Math.min(elapsedS, o.stepWaitS), final);
            } catch (e) {
                // Missing data never promotes: the step holds, says so, and is rolled back after the timeout.
                noDataSince ??= clock.now();
                const forS = (clock.now() - noDataSince) / 1000;
                const error = (e as Error).message.split("\n")[0];
                o.onEvent?.({ kind: "no-data", step, error, forS, timeoutS: noDataTimeoutS });
                if (forS >= noDataTimeoutS) {
                    const reasons = [`no data for ${Math.round(forS)} s (measure.noDataTimeoutSeconds ${noDataTimeoutS}): ${error}`];
                    steps.push({ step, appliedAtMs, decidedAtMs: since(), health: null, verdict: { action: "rollback", reasons } });
                    return rollBack(step, reasons);
                }
                continue;
            }
            noDataSince = undefined;
            const { health, verdict } = judged;
            o.onEvent?.({ kind: "check", step, elapsedS, health, verdict });
            if (verdict.action === "wait") {
                continue;
            }
            steps.push({ step, appliedAtMs, decidedAtMs: since(), health, verdict });
            if (verdict.action === "rollback") {
                return rollBack(step, verdict.reasons);
            }
            break;
        }
    }
    o.onEvent?.({ kind: "promoted" });
    return { outcome: "promoted", reasons: steps.at(-1)?.verdict.reasons ?? [], steps };
}
