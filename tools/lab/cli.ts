// lab: the lab's command line. Stacks up and down, the traffic probe, a guided rollout with automatic
// rollback, and the strategy comparison with its report. Run: npm run lab -- <command> --help
import { SingleBar } from "cli-progress";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import * as fs from "fs";
import * as path from "path";
import { LabConfig, LabConfigError, platforms } from "../../components/config";
import { probeCommand } from "../probe/cli";
import { Probe } from "../probe/probe";
import { ProbeSummary } from "../probe/summary";
import { StrategyResult, compareOne, comparisonStacks } from "./compare";
import { Thresholds, thresholdsFor } from "./decision";
import { applyChange, ensurePulumiCli, engineOutput, projectStack, stackOutputs } from "./engine";
import { PrometheusClient, readVersionHealth } from "./prometheus";
import { writeReport } from "./report";
import { RolloutEvent, RolloutResult, runRollout } from "./rollout";
import { balancesPerConnection, knownStacks, loadStackConfig, repoRoot } from "./stackFile";
import { ConfigChange, LabUsageError, RolloutPlan, comparisonPlan, rolloutPlan } from "../../components/plan";
import { parseSteps } from "./stepPlan";
import { openLabStack } from "./workspace";

/** Exit codes: 0 done (promoted), 1 failed, 2 bad usage or config, 3 rolled back. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, rolledBack: 3 } as const;

const err = (s: string) => process.stderr.write(s);

function number(name: string, min: number, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
            throw new InvalidArgumentError(`${name}: got "${value}"; allowed: a number from ${min} to ${max}`);
        }
        return n;
    };
}

/** `--config rollout-lab:a.b=value`, collected into one map; the schema checks the values later. */
function configPair(pair: string, previous: Record<string, string>): Record<string, string> {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !pair.startsWith("rollout-lab:")) {
        throw new InvalidArgumentError(`config: got "${pair}"; allowed: rollout-lab:<key>=<value>, e.g. rollout-lab:canary.weight=25`);
    }
    return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

function stackArg(stack: string): string {
    if (!knownStacks().includes(stack)) {
        throw new LabUsageError("stack", `"${stack}"`, knownStacks().join(", "));
    }
    return stack;
}

/** Every step's config checked by the stack schema before anything runs: nothing is half-applied by a typo. */
function checkedPlan(stack: string, steps?: number[]): { config: LabConfig; plan: RolloutPlan } {
    const config = loadStackConfig(stack);
    const plan = rolloutPlan(config, steps);
    let cumulative: ConfigChange = {};
    for (const c of [...plan.steps.map((s) => s.change), plan.rollback.change]) {
        cumulative = { ...cumulative, ...c };
        loadStackConfig(stack, undefined, cumulative);
    }
    return { config, plan };
}

function describePlan(stack: string, config: LabConfig, plan: RolloutPlan, t: Thresholds, waitS: number): string {
    return [
        `rollout of ${stack}: ${plan.strategy} on ${config.platform}/${config.traffic}, ${plan.stableVersion} -> ${plan.candidateVersion}`,
        ...plan.steps.map((s) => `  step ${s.index}/${plan.steps.length}: ${s.label}  (${Object.entries(s.change).map(([k, v]) => `${k}=${v}`).join(", ")}), then ${waitS} s of checks`),
        `  rollback: ${plan.rollback.label}  (${Object.entries(plan.rollback.change).map(([k, v]) => `${k}=${v}`).join(", ")})`,
        `  promote a step when ${plan.candidateVersion} has error ratio <= ${(100 * t.errorRatio).toFixed(1)}% and p95 <= ${Math.round(1000 * t.p95LatencySeconds)} ms over >= ${t.minRequests} requests`,
    ].join("\n");
}

/** A progress bar for a step's wait on a terminal; plain lines otherwise (CI logs, pipes). */
function stepReporter(waitS: number): (e: RolloutEvent) => void {
    let bar: SingleBar | undefined;
    const tty = process.stderr.isTTY === true;
    return (e) => {
        switch (e.kind) {
            case "apply":
                bar?.stop();
                bar = undefined;
                err(`step ${e.step.index}/${e.of}: ${e.step.label}: pulumi up ...\n`);
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
                    err(`  ${e.elapsedS.toFixed(0)}/${waitS} s  ${figures}  -> ${e.verdict.action}\n`);
                }
                if (e.verdict.action !== "wait") {
                    bar?.stop();
                    bar = undefined;
                    err(`  ${e.verdict.action}: ${e.verdict.reasons.join("; ")}\n`);
                }
                break;
            }
            case "rollback":
                bar?.stop();
                err(`rolling back (${e.step.label} failed): pulumi up ...\n`);
                break;
            case "rolled-back":
                err("rolled back: every request goes to the stable release\n");
                break;
            case "promoted":
                err("promoted: the candidate passed every step\n");
                break;
        }
    };
}

async function rolloutAction(stack: string, opts: { steps?: number[]; wait?: number; poll: number; load?: number; minRequests?: number; prometheus?: string; url?: string; dryRun?: boolean; json?: boolean }): Promise<number> {
    const { config, plan } = checkedPlan(stack, opts.steps);
    const thresholds = thresholdsFor(config, opts.minRequests);
    const waitS = opts.wait ?? config.measure.stepWaitSeconds;
    err(`${describePlan(stack, config, plan, thresholds, waitS)}\n`);
    if (!config.monitoring.enabled && opts.prometheus === undefined) {
        throw new LabUsageError("rollout-lab:monitoring.enabled", "false", "true (lab rollout reads the candidate's figures from the lab's Prometheus), or pass --prometheus <url>");
    }
    if (opts.dryRun) {
        return exitCodes.ok;
    }
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
    try {
        result = await runRollout({
            plan,
            thresholds,
            stepWaitS: waitS,
            pollS: opts.poll,
            target: { apply: async (change, label) => void (await applyChange(s, change, label)) },
            health: (windowS) => readVersionHealth(prom, plan.candidateVersion, windowS),
            onEvent: stepReporter(waitS),
        });
    } finally {
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
    return result.outcome === "promoted" ? exitCodes.ok : exitCodes.rolledBack;
}

async function compareAction(opts: {
    platform: string;
    stacks?: string;
    out: string;
    rate: number;
    pre: number;
    settle: number;
    settleWindow: number;
    config: Record<string, string>;
    keep?: boolean;
    dryRun?: boolean;
}): Promise<number> {
    const stacks = opts.stacks ? opts.stacks.split(",").map((s) => stackArg(s.trim())) : comparisonStacks(opts.platform as LabConfig["platform"], knownStacks());
    const plans = stacks.map((stack) => {
        const config = loadStackConfig(stack, undefined, opts.config);
        const plan = comparisonPlan(config);
        for (const c of plan.changes) {
            loadStackConfig(stack, undefined, { ...opts.config, ...plan.before, ...c.change });
        }
        return { stack, config, plan };
    });
    for (const p of plans) {
        err(`${p.stack}: ${p.plan.strategy}: before ${JSON.stringify(p.plan.before)}; then ${p.plan.changes.map((c) => c.label).join(" -> ")}; settles at ${(100 * p.plan.settledCandidateShare).toFixed(0)}% ${p.config.candidate.version}\n`);
    }
    if (opts.dryRun) {
        return exitCodes.ok;
    }
    ensurePulumiCli();
    const results: StrategyResult[] = [];
    for (const [i, p] of plans.entries()) {
        err(`[${i + 1}/${plans.length}] ${p.stack}\n`);
        // A scratch project per stack: the comparison never touches the stack files or state in the repo.
        const lab = await openLabStack({ stack: p.stack, config: opts.config });
        const { stack } = lab;
        results.push(
            await compareOne({
                stack: p.stack,
                config: p.config,
                plan: p.plan,
                driver: {
                    up: (change, label) => applyChange(stack, change, `${p.stack} ${label}`),
                    destroy: async () => {
                        await stack.destroy({ onOutput: engineOutput(`  [${p.stack} destroy] `), color: "never" });
                        lab.remove();
                    },
                },
                ratePerSecond: opts.rate,
                preChangeS: opts.pre,
                maxSettleS: opts.settle,
                settleWindowS: opts.settleWindow,
                pricing: p.config.measure.pricing,
                log: (l) => err(`  ${l}\n`),
                keep: opts.keep,
            }),
        );
    }
    const files = await writeReport(results, opts.out, { title: `Deployment strategies compared on ${opts.platform}` });
    process.stdout.write(`${files.markdown}\n`);
    return exitCodes.ok;
}

export function labProgram(): Command {
    const program = new Command("lab")
        .description("rollout-lab: bring strategy stacks up and down, probe them, roll out with automatic rollback, compare strategies")
        .showHelpAfterError()
        // Commander's own errors (bad option values, unknown commands) become exceptions: exit code 2 below.
        .exitOverride()
        .addHelpText("after", "\nStacks are the files in stacks/ (Pulumi.<stack>.yaml). State stays in ./.pulumi (the project's local backend).");

    program
        .command("stacks")
        .description("list the stacks with their platform, strategy and traffic provider")
        .action(() => {
            for (const stack of knownStacks()) {
                try {
                    const c = loadStackConfig(stack);
                    process.stdout.write(`${stack.padEnd(24)} ${c.platform.padEnd(10)} ${c.strategy.padEnd(10)} ${c.traffic}\n`);
                } catch (e) {
                    process.stdout.write(`${stack.padEnd(24)} invalid: ${(e as Error).message.split("\n")[0]}\n`);
                }
            }
        });

    for (const [name, what] of [
        ["up", "create or update the stack (pulumi up)"],
        ["preview", "show what `up` would change (pulumi preview)"],
        ["down", "destroy the stack's resources (pulumi destroy)"],
    ] as const) {
        program
            .command(`${name} <stack>`)
            .description(what)
            .action(async (stackName: string) => {
                stackArg(stackName);
                loadStackConfig(stackName); // a bad stack file is reported before the engine starts
                const s = await projectStack(stackName);
                const onOutput = engineOutput("");
                if (name === "up") {
                    const r = await s.up({ onOutput, color: "never" });
                    for (const [k, v] of Object.entries(r.outputs)) {
                        process.stdout.write(`${k}: ${v.secret ? "[secret]" : JSON.stringify(v.value)}\n`);
                    }
                } else if (name === "preview") {
                    const r = await s.preview({ onOutput, color: "never" });
                    process.stdout.write(`${JSON.stringify(r.changeSummary)}\n`);
                } else {
                    await s.destroy({ onOutput, color: "never" });
                }
            });
    }

    program.addCommand(probeCommand("probe"));

    program
        .command("rollout <stack>")
        .description("step the candidate's share through a plan with pulumi up, judge each step on Prometheus, promote or roll back on its own")
        .option("--steps <list>", "candidate shares for a canary, e.g. 10,25,50,100 (default: the stack's measure.steps)", (v) => parseSteps(v))
        .option("--wait <seconds>", "each step's time before it can be promoted (default: measure.stepWaitSeconds)", number("wait", 10, 3600))
        .option("--poll <seconds>", "how often the candidate is checked during a step", number("poll", 1, 600), 5)
        .option("--load <perSecond>", "requests/s the lab's probe sends meanwhile, 0 for none (default: measure.loadRate)", number("load", 0, 1000))
        .option("--min-requests <n>", "candidate requests a step needs to be judged (default: measure.minRequests)", number("min-requests", 1, 1e6))
        .option("--prometheus <url>", "Prometheus to read (default: the stack's prometheusUrl output)")
        .option("--url <url>", "where the probe sends requests (default: the stack's entryUrl output)")
        .option("--dry-run", "print the checked plan and stop")
        .option("--json", "print the result as JSON on stdout")
        .action(async (stackName: string, opts) => {
            process.exitCode = await rolloutAction(stackArg(stackName), opts);
        });

    program
        .command("compare")
        .description("for each strategy: deploy v1, probe, change to v2 the strategy's way, measure; write a report with plots and CSVs")
        .option("--platform <platform>", `platform whose stacks are compared (${platforms.join(", ")})`, (v) => {
            if (!(platforms as readonly string[]).includes(v)) {
                throw new InvalidArgumentError(`platform: got "${v}"; allowed: ${platforms.join(", ")}`);
            }
            return v;
        }, "swarm")
        .option("--stacks <list>", "these stacks instead of one per strategy of the platform")
        .option("--out <dir>", "where the report goes", path.join(repoRoot, "reports", new Date().toISOString().replace(/[:.]/g, "-")))
        .option("--rate <perSecond>", "the probe's fixed rate", number("rate", 1, 1000), 50)
        .option("--pre <seconds>", "probing before the change", number("pre", 1, 600), 10)
        .option("--settle <seconds>", "at most this long after the last change", number("settle", 5, 1800), 120)
        .option("--settle-window <seconds>", "how long the end state must hold to count as settled", number("settle-window", 1, 120), 5)
        .option(
            "--config <key=value>",
            "stack config set on every stack compared, by path (repeatable), e.g. rollout-lab:app.baseImage=rollout-lab/debian-base:bookworm",
            configPair,
            {},
        )
        .option("--keep", "leave each stack up afterwards")
        .option("--dry-run", "print each stack's checked plan and stop")
        .action(async (opts) => {
            process.exitCode = await compareAction(opts);
        });

    program
        .command("report <results.json>")
        .description("draw the report again from a comparison's results.json")
        .option("--out <dir>", "where the report goes (default: next to results.json)")
        .action(async (file: string, opts: { out?: string }) => {
            const results = JSON.parse(fs.readFileSync(file, "utf8")) as StrategyResult[];
            const files = await writeReport(results, opts.out ?? path.dirname(file), { title: `Deployment strategies compared on ${results[0]?.platform ?? "?"}` });
            process.stdout.write(`${files.markdown}\n`);
        });

    program
        .command("config <stack>")
        .description("print the stack's checked config, defaults filled (what the program and the CLI act on)")
        .action((stackName: string) => {
            stackArg(stackName);
            process.stdout.write(`${JSON.stringify(loadStackConfig(stackName), null, 2)}\n`);
        });

    return program;
}

if (require.main === module) {
    labProgram()
        .parseAsync(process.argv)
        .catch((e: unknown) => {
            if (e instanceof CommanderError) {
                // Already printed by commander; help and --version are not errors.
                process.exit(e.exitCode === 0 ? exitCodes.ok : exitCodes.usage);
            }
            const usage = e instanceof LabUsageError || e instanceof LabConfigError;
            err(`lab: ${(e as Error).message}\n`);
            process.exit(usage ? exitCodes.usage : exitCodes.failed);
        });
}
