// lab: the lab's command line. Stacks up and down, the traffic probe, a guided rollout with automatic
// rollback, and the strategy comparison with its report. Run: npx lab <command> --help (or npm run lab -- <command>)
import * as automation from "@pulumi/pulumi/automation";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import * as fs from "fs";
import * as path from "path";
import { LabConfigError, platforms, problemText } from "../../components/labConfig";
import { probeCommand } from "../probe/cli";
import { StrategyResult } from "./compare/compare";
import { engineOutput, lockedStackMessage, projectStack } from "../lib/engine";
import { quickUp } from "../lib/quickUp";
import { selectLeftStacks } from "../lib/pulumiCli";
import { StateFolderError } from "../lib/stateFolder";
import { writeReport } from "./compare/report";
import { StackFileError, knownStacks, loadStackConfig, platformView, repoRoot, setStackFileValues, stackFilePath, stacksDir } from "../lib/stackFile";
import { LabUsageError } from "../../components/plan";
import { configPair, err, exitCodes, number, parseSteps, setPair, stackArg } from "./cliArgs";
import { rolloutAction } from "./rollout/command";
import { projectStateDir } from "../lib/workspace";
import { compareAction } from "./compare/command";
import { classCommand } from "./class/command";
import { PreflightError, assertPreflight } from "../lib/preflight";
import { TimedEvent, dependenciesOf, timingLines, timingsOf } from "./up/timings";
import { checkCommand } from "./check/command";
import { watchCommand } from "./watch/command";


export function labProgram(): Command {
    const program = new Command("lab")
        .description("rollout-lab: bring strategy stacks up and down, probe them, roll out with automatic rollback, compare strategies")
        .showHelpAfterError()
        // Commander's own errors (bad option values, unknown commands) become exceptions: exit code 2 below.
        .exitOverride()
        .addHelpText(
            "after",
            "\nStacks are the files in stacks/ (Pulumi.<stack>.yaml). State stays in ./.pulumi (the project's local backend).\n" +
                `Exit codes: ${exitCodes.ok} done, ${exitCodes.failed} failed, ${exitCodes.usage} bad usage or config, ${exitCodes.rolledBack} rolled back (lab rollout); each command's --help says which it uses.`,
        );

    program
        .command("stacks")
        .description("list the stacks with their platform, strategy and traffic provider")
        .action(() => {
            process.stdout.write(stacksTable().map((l) => `${l}\n`).join(""));
        });

    for (const [name, what] of [
        ["up", "create or update the stack (pulumi up)"],
        ["preview", "show what `up` would change (pulumi preview)"],
        ["down", "destroy the stack's resources and remove the stack, so it can be brought up again from the top (its stack file stays)"],
    ] as const) {
        const command = program
            .command(`${name} <stack>`)
            .description(what)
            .addHelpText("after", `\nExit codes: ${exitCodes.ok} done, ${exitCodes.failed} the Pulumi command failed (its output is on stderr), ${exitCodes.usage} bad usage or stack config.`);
        if (name === "up") {
            command.option("--timings", "print where the time went, from the engine's events: its start, the program, each provider, the slowest steps, the critical path");
            command.option(
                "--set <key=value>",
                "set a value in the stack file first, as pulumi config set --path does (its comments stay), e.g. --set canary.weight=50; repeatable. The stack's config with it is checked before anything is written",
                setPair,
            );
        }
        command.action(async (stackName: string, opts: { timings?: boolean; set?: Record<string, string> }) => {
            stackArg(stackName);
            const set = opts.set ?? {};
            // A bad stack file, or a bad value to set, is reported before the engine starts and before the file is written.
            const config = loadStackConfig(stackName, stacksDir, set);
            if (name === "up") {
                // On a cluster the lab did not create: what stands in its way, before anything is made.
                await assertPreflight(stackName, config);
                if (Object.keys(set).length > 0) {
                    setStackFileValues(stackFilePath(stackName), set);
                    err(`set ${Object.entries(set).map(([k, v]) => `${k}=${v}`).join(", ")} in stacks/Pulumi.${stackName}.yaml\n`);
                }
            }
            const s = await projectStack(stackName, name !== "down");
            const onOutput = engineOutput("");
            if (name === "up") {
                const t0 = Date.now();
                const labStartMs = Math.round(process.uptime() * 1000);
                const events: TimedEvent[] = [];
                const r = await quickUp(s, { onOutput, color: "never", ...(opts.timings ? { onEvent: (event) => events.push({ atMs: Date.now() - t0, event }) } : {}) });
                if (opts.timings) {
                    const totalMs = Date.now() - t0;
                    const deps = dependenciesOf(((await s.exportStack()).deployment ?? {}) as Parameters<typeof dependenciesOf>[0]);
                    err(`${timingLines({ ...timingsOf(events, totalMs, deps), labStartMs }).join("\n")}\n`);
                }
                for (const [k, v] of Object.entries(r.outputs)) {
                    process.stdout.write(`${k}: ${v.secret ? "[secret]" : JSON.stringify(v.value)}\n`);
                }
                const secret = Object.entries(r.outputs).find(([, v]) => v.secret)?.[0];
                if (secret !== undefined) {
                    err(`(a secret is shown with: pulumi stack output ${secret} --show-secrets -s ${stackName}, with the passphrase lab uses: ${passphraseHint()})\n`);
                }
            } else if (name === "preview") {
                const r = await s.preview({ onOutput, color: "never" });
                process.stdout.write(`${JSON.stringify(r.changeSummary)}\n`);
            } else {
                await s.destroy({ onOutput, color: "never" });
                // The stack file keeps the config (and any edits): `git checkout` of it starts a lesson anew.
                await s.workspace.removeStack(stackName, { preserveConfig: true });
                err(`removed stack ${stackName}; its stack file stays (git checkout -- stacks/Pulumi.${stackName}.yaml undoes your edits)\n`);
            }
        });
    }

    program.addCommand(probeCommand("probe").copyInheritedSettings(program));

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
        .option("--resume", "continue an interrupted rollout from the step the stack is at (that step judged again)")
        .option("--watch", "show lab watch's live view (from the lab's Prometheus) while it steps; the steps and verdicts as its events")
        .option("--dry-run", "print the checked plan and stop")
        .option("--json", "print the result as JSON on stdout")
        .addHelpText(
            "after",
            `\nExit codes: ${exitCodes.ok} promoted (every step passed), ${exitCodes.rolledBack} rolled back (a step breached a threshold or had too few requests), ` +
                `${exitCodes.usage} bad usage or config (nothing changed), ${exitCodes.failed} another failure (a pulumi up or Prometheus read failed), ` +
                `${exitCodes.interrupted} interrupted by SIGINT or SIGTERM (the stack left at its step: --resume continues).`,
        )
        .action(async (stackName: string, opts) => {
            process.exitCode = await rolloutAction(stackArg(stackName), opts);
        });

    program.addCommand(checkCommand().copyInheritedSettings(program));
    program.addCommand(watchCommand().copyInheritedSettings(program));
    const classes = classCommand().copyInheritedSettings(program);
    // Its subcommands were made before it had the program's settings (exitOverride, output): give them too.
    classes.commands.forEach((sub) => sub.copyInheritedSettings(program));
    program.addCommand(classes);

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
        .option("--users <n>", "simulate n users, each with its own cookies and connection: the report adds, per step, the share of users on each version and those who saw both", (v) => {
            const n = number("users", 1, 10000)(v);
            if (!Number.isInteger(n)) {
                throw new InvalidArgumentError(`users: got "${v}"; allowed: a whole number from 1 to 10000`);
            }
            return n;
        })
        .option("--hold <seconds>", "hold each change this long before the next (default: 10 with --users, else 0: back to back)", number("hold", 0, 600))
        .option("--keep", "leave each stack up afterwards")
        .option("--dry-run", "print each stack's checked plan and stop")
        .addHelpText("after", `\nExit codes: ${exitCodes.ok} the report was written, ${exitCodes.failed} a stack's up, change or destroy failed, ${exitCodes.usage} bad usage or config (nothing deployed).`)
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
            process.stdout.write(`${files.markdown}\n${files.html}\n`);
        });

    program
        .command("config <stack>")
        .description("print the stack's checked config, defaults filled: the keys its platform and traffic provider read (--all: every key)")
        .option("--all", "every key of the schema, including those this stack's platform does not read")
        .addHelpText("after", `\nExit codes: ${exitCodes.ok} printed, ${exitCodes.usage} unknown stack or bad stack config.`)
        .action((stackName: string, opts: { all?: boolean }) => {
            stackArg(stackName);
            const config = loadStackConfig(stackName);
            process.stdout.write(`${JSON.stringify(opts.all ? config : platformView(config), null, 2)}\n`);
        });

    return program;
}

/** How a user gives `pulumi` the passphrase `lab` uses (an environment variable, never the passphrase). */
function passphraseHint(): string {
    if (process.env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
        return "PULUMI_CONFIG_PASSPHRASE, as set";
    }
    return `PULUMI_CONFIG_PASSPHRASE_FILE=${process.env.PULUMI_CONFIG_PASSPHRASE_FILE ?? path.join(projectStateDir, "passphrase")}`;
}

/** `lab stacks`: a line per stack file, columns as wide as the longest name; an invalid file with every problem. */
export function stacksTable(dir = stacksDir): string[] {
    const stacks = knownStacks(dir);
    const width = Math.max(...stacks.map((s) => s.length)) + 2;
    return stacks.map((stack) => {
        try {
            const c = loadStackConfig(stack, dir);
            return `${stack.padEnd(width)}${c.platform.padEnd(12)}${c.strategy.padEnd(11)}${c.traffic}`;
        } catch (e) {
            // On one line: a config error's first line is only its count.
            const problems = e instanceof LabConfigError ? e.problems.map(problemText).join("; ") : (e as Error).message;
            return `${stack.padEnd(width)}invalid: ${problems}`;
        }
    });
}

/** The exit code of a failure: bad usage, a bad stack file or config is 2 (nothing was changed); anything else 1. */
export function exitCodeOfError(e: unknown): number {
    if (e instanceof CommanderError) {
        // Already printed by commander; help and --version are not errors.
        return e.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    return e instanceof LabUsageError || e instanceof LabConfigError || e instanceof StackFileError || e instanceof PreflightError || e instanceof StateFolderError
        ? exitCodes.usage
        : exitCodes.failed;
}

/**
 * What a failure prints, once. The engine's output has already streamed to stderr, and the Automation
 * API's error repeats all of it (its stdout and stderr): keep only the distinct `error:` lines.
 */
export function errorText(e: unknown): string {
    const locked = lockedStackMessage(e);
    if (locked !== undefined) {
        return locked;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof automation.CommandError)) {
        return message;
    }
    const errors = [...new Set(message.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("error:")))];
    return `the Pulumi command failed (its output is above)${errors.length > 0 ? `:\n  ${errors.join("\n  ")}` : ""}`;
}

/**
 * Runs the lab CLI on `args` (the words after `lab`) and resolves with its exit code, a failure printed
 * once on stderr; nothing exits the process. The tests run it in their own process.
 */
export async function runLab(args: string[]): Promise<number> {
    const before = process.exitCode;
    process.exitCode = undefined;
    try {
        await labProgram().parseAsync(args, { from: "user" });
        return typeof process.exitCode === "number" ? process.exitCode : exitCodes.ok;
    } catch (e) {
        if (!(e instanceof CommanderError)) {
            err(`lab: ${errorText(e)}\n`);
        }
        return exitCodeOfError(e);
    } finally {
        process.exitCode = before;
        // What `pulumi stack select` would have done before the command's work (a bare `pulumi` then acts on
        // this stack), done after it; a failure here is said, the command's own exit code stands.
        await selectLeftStacks().catch((e: unknown) => err(`lab: ${errorText(e)}\n`));
    }
}

/** tools/lab/lab.js and `npm run lab`: the CLI on process.argv, exiting with its code (at once on a failure). */
export function main(argv: string[]): void {
    void runLab(argv.slice(2)).then((code) => {
        if (code === exitCodes.ok) {
            process.exitCode = code; // let pending output drain and handles close on their own
        } else {
            process.exit(code);
        }
    });
}

if (require.main === module) {
    main(process.argv);
}
