// `lab rollout`: a guided canary or blue/green rollout, step by step under load, rolled back on its own
// when the candidate's figures fail their thresholds.
import { SingleBar } from "cli-progress";
import { LabConfig } from "../../../components/config";
import { Probe } from "../../probe/probe";
import { ProbeSummary } from "../../probe/summary";
import { Thresholds, thresholdsFor } from "./decision";
import { applyChange, projectStack, stackOutputs } from "../../lib/engine";
import { PrometheusClient, VersionSamples, readVersionHealth, readVersionSamples } from "../../lib/prometheus";
import { Judge, SamplePair, mannWhitneyJudge, thresholdJudge } from "./judge";
import { RolloutEvent, RolloutResult, runRollout } from "./rollout";
import { balancesPerConnection, loadStackConfig } from "../../lib/stackFile";
import { replicaSplitOf } from "../../lib/stackFile";
import { ConfigChange, LabUsageError, RolloutPlan, rolloutPlan } from "../../../components/plan";
import { err, exitCodes } from "../cliArgs";
import { watch } from "../watch/command";

/** Every step's config checked by the stack schema before anything runs: nothing is half-applied by a typo. */
/**
 * `--resume`: the plan from where the stack is (an interrupted rollout leaves it at a step, and its stack
 * file says the same): a canary's steps from its current weight on (that step again, to judge it), a
 * blue/green switch only if blue is still live. The steps keep their order and are numbered again.
 */
export function resumedPlan(plan: RolloutPlan, config: LabConfig): RolloutPlan {
    const left = plan.strategy === "canary" ? plan.steps.filter((s) => s.share >= config.canary.weight) : config.bluegreen.activeColor === "green" ? [] : plan.steps;
    return { ...plan, steps: left.map((s, i) => ({ ...s, index: i + 1 })) };
}

function checkedPlan(stack: string, steps?: number[], resume = false): { config: LabConfig; plan: RolloutPlan; pods: (string | undefined)[] } {
    const config = loadStackConfig(stack);
    const whole = rolloutPlan(config, steps);
    const plan = resume ? resumedPlan(whole, config) : whole;
    if (plan.steps.length === 0) {
        throw new LabUsageError("--resume", "given", `a stack not already past the plan's last step (${stack} is at ${plan.strategy === "canary" ? `canary.weight=${config.canary.weight}` : "green"}: nothing is left to roll out)`);
    }
    let cumulative: ConfigChange = {};
    const pods: (string | undefined)[] = [];
    for (const c of [...plan.steps.map((s) => s.change), plan.rollback.change]) {
        cumulative = { ...cumulative, ...c };
        pods.push(replicaSplitOf(loadStackConfig(stack, undefined, cumulative)));
    }
    return { config, plan, pods };
}

/** The plan, a line a step; where the router splits by replica ratio, the pods each step runs on. */
function describePlan(stack: string, config: LabConfig, plan: RolloutPlan, pods: (string | undefined)[], t: Thresholds, waitS: number): string {
    const on = (i: number) => (pods[i] === undefined ? "" : ` on ${pods[i]}`);
    return [
        `rollout of ${stack}: ${plan.strategy} on ${config.platform}/${config.traffic}, ${plan.stableVersion} -> ${plan.candidateVersion}`,
        ...plan.steps.map((s, i) => `  step ${s.index}/${plan.steps.length}: ${s.label}  (${Object.entries(s.change).map(([k, v]) => `${k}=${v}`).join(", ")})${on(i)}, then ${waitS} s of checks`),
        `  rollback: ${config.measure.rollback === "gradual" ? `back down through the steps passed, ${config.measure.rollbackPauseSeconds} s each (measure.rollback gradual), then ` : ""}${plan.rollback.label}  (${Object.entries(plan.rollback.change).map(([k, v]) => `${k}=${v}`).join(", ")})${on(plan.steps.length)}`,
        config.measure.judge === "mann-whitney"
            ? `  promote a step unless, at its end, ${plan.candidateVersion}'s error ratio or mean latency is worse than ${plan.stableVersion}'s by a one-sided Mann-Whitney U test ` +
              `(beyond +${(100 * config.measure.comparison.errorRatioTolerance).toFixed(1)} points and +${Math.round(100 * config.measure.comparison.latencyTolerance)}%; ` +
              `p < ${config.measure.comparison.alpha}, effect >= ${config.measure.comparison.minEffect}, >= ${config.measure.comparison.minSamples} samples of each)`
            : `  promote a step when ${plan.candidateVersion} has error ratio <= ${(100 * t.errorRatio).toFixed(1)}% and p95 <= ${Math.round(1000 * t.p95LatencySeconds)} ms over >= ${t.minRequests} requests`,
    ].join("\n");
}

/** Seconds in a Prometheus duration such as "5s" or "1m" (the schema has checked its form). */
export function durationSeconds(d: string): number {
    const m = /^(\d+)(ms|s|m|h)$/.exec(d);
    if (m === null) {
        throw new Error(`a Prometheus duration: got "${d}"; allowed: a number and ms, s, m or h`);
    }
    return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
}

/** The stack's judge (measure.judge), reading the lab's Prometheus; samples every scrape interval. */
export function judgeFor(config: LabConfig, plan: RolloutPlan, prom: PrometheusClient, thresholds: Thresholds): Judge {
    const health = (windowS: number) => readVersionHealth(prom, plan.candidateVersion, windowS);
    if (config.measure.judge === "threshold") {
        return thresholdJudge(health, thresholds);
    }
    const stepS = Math.max(1, durationSeconds(config.monitoring.scrapeInterval));
    return mannWhitneyJudge(comparisonSamples(prom, plan, stepS, config.measure.comparison.minSamples), health, config.measure.comparison);
}

/**
 * Both versions' samples over the step's window. Where stable answers nothing in it (a canary's last step,
 * a blue/green switch), its samples come from the window just before the step, and its name says so.
 */
export function comparisonSamples(prom: PrometheusClient, plan: Pick<RolloutPlan, "candidateVersion" | "stableVersion">, stepS: number, minSamples: number): (windowS: number) => Promise<SamplePair> {
    return async (windowS) => {
        const now = Date.now() / 1000;
        const read = (version: string, end: number) => readVersionSamples(prom, version, windowS, stepS, end);
        const [candidate, stable] = await Promise.all([read(plan.candidateVersion, now), read(plan.stableVersion, now)]);
        const enough = (s: VersionSamples) => Math.min(s.errorRatio.length, s.meanLatencySeconds.length) >= minSamples;
        const baseline = enough(stable) ? { version: plan.stableVersion, samples: stable } : { version: `${plan.stableVersion} (the ${Math.round(windowS)} s before the step)`, samples: await read(plan.stableVersion, now - windowS) };
        return { candidate: { version: plan.candidateVersion, samples: candidate }, stable: baseline };
    };
}

/** A progress bar for a step's wait on a terminal; plain lines otherwise (CI logs, pipes). */
function stepReporter(waitS: number, write: (s: string) => void = err, tty = process.stderr.isTTY === true): (e: RolloutEvent) => void {
    let bar: SingleBar | undefined;
    return (e) => {
        switch (e.kind) {
            case "apply":
                bar?.stop();
                bar = undefined;
                write(`step ${e.step.index}/${e.of}: ${e.step.label}: pulumi up ...\n`);
                break;
            case "check": {
                const h = e.health;
                const figures = `${h.version}: ${h.requests === null ? "-" : Math.round(h.requests)} req, errors ${h.errorRatio === null ? "-" : `${(100 * h.errorRatio).toFixed(1)}%`}, p95 ${h.p95LatencySeconds === null ? "-" : `${Math.round(1000 * h.p95LatencySeconds)} ms`}`;
                if (tty) {
                    bar ??= new SingleBar({ format: "  checking [{bar}] {value}/{total} s  {figures}", stream: process.stderr, hideCursor: true });
                    if (!bar.isActive) {
                        bar.start(waitS, 0, { figures });
                    }
                    bar.update(Math.min(waitS, Math.round(e.elapsedS)), { figures });
                } else {
                    write(`  ${e.elapsedS.toFixed(0)}/${waitS} s  ${figures}  -> ${e.verdict.action}\n`);
                }
                if (e.verdict.action !== "wait") {
                    bar?.stop();
                    bar = undefined;
                    write(`  ${e.verdict.action}: ${e.verdict.reasons.join("; ")}\n`);
                }
                break;
            }
            case "no-data":
                bar?.stop();
                bar = undefined;
                write(`  holding: no data for ${e.forS.toFixed(0)} s (rolled back at ${e.timeoutS} s, measure.noDataTimeoutSeconds): ${e.error}\n`);
                break;
            case "interrupted":
                bar?.stop();
                bar = undefined;
                break;
            case "rollback-step":
                write(`  rolled back to ${e.step.label}; ${e.verdict.action === "rollback" ? `still failing there: ${e.verdict.reasons.join("; ")}` : "holding"}\n`);
                break;
            case "rollback":
                bar?.stop();
                write(`rolling back (${e.step.label} failed): pulumi up ...\n`);
                break;
            case "rolled-back":
                write("rolled back: every request goes to the stable release\n");
                break;
            case "promoted":
                write("promoted: the candidate passed every step\n");
                break;
        }
    };
}

export async function rolloutAction(stack: string, opts: { steps?: number[]; wait?: number; poll: number; load?: number; minRequests?: number; prometheus?: string; url?: string; dryRun?: boolean; json?: boolean; resume?: boolean; watch?: boolean }): Promise<number> {
    if (opts.watch && opts.json) {
        throw new LabUsageError("--watch", "together with --json", "one of them (--json prints the result on stdout, where the view draws)");
    }
    const { config, plan, pods } = checkedPlan(stack, opts.steps, opts.resume);
    const thresholds = thresholdsFor(config, opts.minRequests);
    const waitS = opts.wait ?? config.measure.stepWaitSeconds;
    if (!config.monitoring.enabled && opts.prometheus === undefined) {
        throw new LabUsageError("rollout-lab:monitoring.enabled", "false", "true (lab rollout reads the candidate's figures from the lab's Prometheus), or pass --prometheus <url>");
    }
    const description = `${describePlan(stack, config, plan, pods, thresholds, waitS)}\n`;
    if (opts.dryRun) {
        // The plan is what a dry run is asked for: data, on stdout. A real run prints it among its messages.
        process.stdout.write(description);
        return exitCodes.ok;
    }
    err(description);
    const s = await projectStack(stack);
    const outputs = await stackOutputs(s);
    const entryUrl = opts.url ?? outputs.entryUrl;
    const promUrl = opts.prometheus ?? outputs.prometheusUrl;
    if (typeof promUrl !== "string" || typeof entryUrl !== "string") {
        throw new Error(`stack ${stack} has no entryUrl/prometheusUrl outputs: run \`lab up ${stack}\` first (or pass --url and --prometheus)`);
    }
    const prom = new PrometheusClient(promUrl);
    const load = opts.load ?? config.measure.loadRate;
    const probe =
        load > 0
            ? new Probe({
                  url: entryUrl,
                  ratePerSecond: load,
                  durationS: Math.min(3600, plan.steps.length * (waitS + 300) + 300),
                  timeoutMs: 2000,
                  maxInFlight: 256,
                  newConnections: balancesPerConnection(config),
              })
            : undefined;
    const probing = probe?.run();
    if (probe) {
        err(`probing ${entryUrl} at ${load}/s during the rollout (measure.loadRate; --load 0 for real users only)\n`);
    }
    let result: RolloutResult;
    let summary: ProbeSummary | undefined;
    // The first SIGINT or SIGTERM stops the rollout once the update under way returns, leaving the stack at
    // its step; a second stops at once.
    let stop: string | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (stop !== undefined) {
            err(`${signal} again: stopping now\n`);
            process.exit(exitCodes.interrupted);
        }
        stop = signal;
        err(`${signal}: stopping once the update under way returns; the stack stays at its step (${signal} again stops at once)\n`);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    // --watch: lab watch's view (from the same Prometheus) while it steps; the steps and verdicts become its
    // events, and the engine's output is kept quiet (a failed update still says why).
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    let push: (text: string) => void = () => undefined;
    const watching = opts.watch
        ? watch(stack, { ...outputs, prometheusUrl: promUrl, entryUrl }, { interval: 1, window: Math.max(10, Math.min(60, waitS)), until: done, handleSignals: false, eventSink: (p) => (push = p) }, () => stackOutputs(s))
        : undefined;
    try {
        result = await runRollout({
            stopRequested: () => stop,
            plan,
            judge: judgeFor(config, plan, prom, thresholds),
            ...(config.measure.rollback === "gradual" ? { gradualRollbackPauseS: config.measure.rollbackPauseSeconds } : {}),
            noDataTimeoutS: config.measure.noDataTimeoutSeconds,
            stepWaitS: waitS,
            pollS: opts.poll,
            target: { apply: async (change, label) => void (await applyChange(s, change, label, opts.watch === true)) },
            onEvent: opts.watch ? stepReporter(waitS, (text) => text.split("\n").map((l) => l.trim()).filter(Boolean).forEach((l) => push(l)), false) : stepReporter(waitS),
        });
    } finally {
        settle();
        await watching?.catch((e: unknown) => err(`lab watch: ${(e as Error).message}\n`));
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        probe?.stop();
        summary = await probing;
    }
    if (summary) {
        err(`probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}; versions ${Object.entries(summary.versions).map(([v, c]) => `${v} ${(100 * c.share).toFixed(1)}%`).join(", ")}\n`);
    }
    if (opts.json) {
        process.stdout.write(`${JSON.stringify({ stack, result, probe: summary }, null, 2)}\n`);
    } else {
        process.stdout.write(`${result.outcome}${result.failedStep ? ` at step ${result.failedStep.index} (${result.failedStep.label})` : ""}: ${result.reasons.join("; ")}\n`);
    }
    if (result.outcome === "interrupted") {
        err(`${interruptedAdvice(stack, plan, result)}\n`);
        return exitCodes.interrupted;
    }
    return result.outcome === "promoted" ? exitCodes.ok : exitCodes.rolledBack;
}

/** Where an interrupted rollout left the stack, and the commands that continue it or roll it back. */
export function interruptedAdvice(stack: string, plan: RolloutPlan, result: RolloutResult): string {
    const key = Object.keys(plan.rollback.change).join(", ");
    const at = result.cancelledStep ?? result.interruptedAt;
    const where =
        result.cancelledStep !== undefined
            ? `its update to ${result.cancelledStep.label} was cancelled mid-way: the stack file says ${fmt(result.cancelledStep.change)}, the lab may be between that and ${result.interruptedAt?.label ?? "where it started"}`
            : at !== undefined
              ? `the stack and stacks/Pulumi.${stack}.yaml are at ${at.label} (${fmt(at.change)}), not yet judged`
              : "no step was applied: the stack is as it was";
    return [
        `interrupted: ${where}.`,
        `  continue: npx lab rollout ${stack} --resume   (from ${at?.label ?? "the first step"}, judged again)`,
        `  roll back: pulumi config set --path ${Object.entries(plan.rollback.change).map(([k, v]) => `${k} ${v}`).join(" ")} -s ${stack} && npx lab up ${stack}   (${plan.rollback.label}; ${key})`,
    ].join("\n");
}

const fmt = (change: ConfigChange) => Object.entries(change).map(([k, v]) => `${k}=${v}`).join(", ");
