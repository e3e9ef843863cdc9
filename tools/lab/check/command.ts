// `lab check <stack> [--step N]`: the stack's config (or a lesson's step) against its state and the live
// lab, one line per check. Exit 0 when nothing failed, 1 when a check failed, 2 for bad usage or config.
import * as automation from "@pulumi/pulumi/automation";
import { Command } from "commander";
import { LabUsageError, RoutingSummary } from "../../../components/plan";
import {
    CheckLine,
    Expectations,
    checkApplied,
    checkColour,
    checkEntry,
    checkMatched,
    checkMirror,
    checkReplicas,
    checkStep,
    checkTargets,
    checkUsers,
    checkVersionMix,
    exitCodeOf,
    expectationsFrom,
    formatLine,
    skipped,
} from "./check";
import { PlatformReader, kubernetesReader, sampleEntry, scrapeTargets, swarmReader } from "./checkLive";
import { checkNodes } from "./nodes";
import { Probe } from "../../probe/probe";
import { exitCodes, number, stackArg } from "../cliArgs";
import { NoStackError, projectStack, stackOutputs } from "../../lib/engine";
import { lessonFor, stepChange } from "./lessons";
import { loadStackConfig, stacksDir } from "../../lib/stackFile";
import { LabConfig } from "../../../components/config";

export interface CheckOptions {
    /** A lesson step (1-based) whose config the stack must be at. */
    step?: number;
    /** Requests sent to the entry for the version mix (default: 1000 for a split or a partial mirror, 200 otherwise). */
    requests?: number;
    /** A header value the A/B rule's regular expression matches (an exact rule sends its own value). */
    headerValue?: string;
    /** Where the stack files are (a scratch project's, for the e2e suite). */
    stacksDir?: string;
    /** Each line as it is measured. */
    onLine?: (line: CheckLine) => void;
}

export interface CheckReport {
    stack: string;
    step: number | null;
    ok: boolean;
    checks: CheckLine[];
}

/** The checked config's value at a path key ("rollout-lab:canary.weight"), defaults filled, as text; undefined if unset. */
export function configValue(config: LabConfig, pathKey: string): string | undefined {
    const rest = pathKey.replace(/^rollout-lab:/, "").split(".");
    let node: unknown = config;
    for (const part of rest) {
        node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[part] : undefined;
    }
    return node === undefined || node === null ? undefined : typeof node === "object" ? JSON.stringify(node) : String(node);
}

/** How the stack's live workloads are read: the Swarm's services, or the cluster through its kubeconfig. */
export function platformReaderFor(config: LabConfig, outputs: Record<string, unknown>): PlatformReader {
    return config.platform === "swarm"
        ? swarmReader()
        : kubernetesReader(
              config.platform === "kind" ? { kubeconfig: outputs.kubeconfig as string | undefined } : { kubeconfigFile: config.kubernetes.kubeconfig, context: config.kubernetes.context },
              String(outputs.namespace ?? config.namespace),
          );
}

export async function runChecks(stackName: string, stack: automation.Stack | undefined, options: CheckOptions = {}): Promise<CheckReport> {
    const dir = options.stacksDir ?? stacksDir;
    const lines: CheckLine[] = [];
    const add = (line: CheckLine) => {
        lines.push(line);
        options.onLine?.(line);
    };
    const current = loadStackConfig(stackName, dir);
    let change: Record<string, string> = {};
    if (options.step !== undefined) {
        const lesson = lessonFor(current.strategy);
        change = stepChange(lesson, options.step);
        add(checkStep(options.step, lesson.steps[options.step - 1].title, Object.fromEntries(Object.keys(change).map((k) => [k, configValue(current, k)])), change, stackName));
    }
    const config = loadStackConfig(stackName, dir, change);
    const expected = expectationsFrom(config);
    const outputs = stack === undefined ? {} : await stackOutputs(stack);
    const routing = outputs.routing as RoutingSummary | undefined;
    const applied = checkApplied(expected, routing, stackName);
    add(stack === undefined ? { ...applied, measured: `no deployment: there is no stack ${stackName} (npx lab up ${stackName} creates it)` } : applied);
    if (routing === undefined) {
        return { stack: stackName, step: options.step ?? null, ok: false, checks: lines };
    }
    const entryUrl = `${String(outputs.entryUrl).replace(/\/$/, "")}/`;
    const reader = platformReaderFor(config, outputs);
    try {
        await liveChecks(expected, routing, entryUrl, reader, outputs, options, add);
    } finally {
        reader.close();
    }
    return { stack: stackName, step: options.step ?? null, ok: exitCodeOf(lines) === 0, checks: lines };
}

async function liveChecks(
    expected: Expectations,
    routing: RoutingSummary,
    entryUrl: string,
    reader: PlatformReader,
    outputs: Record<string, unknown>,
    options: CheckOptions,
    add: (line: CheckLine) => void,
): Promise<void> {
    const candidate = expected.releases.find((r) => r.role === "candidate");
    const deployedName = (version: string) => routing.workloads.find((w) => w.version === version)?.name;
    const attempt = async (check: string, body: () => Promise<CheckLine>) => {
        try {
            add(await body());
        } catch (e) {
            add({ check, status: "fail", measured: (e as Error).message.split("\n")[0], expected: "a reading" });
        }
    };

    const split = expected.releases.some((r) => r.share > 0 && r.share < 100) || (expected.mirrorPercent ?? 100) < 100;
    const n = options.requests ?? (split ? 1000 : 200);
    const mirrorFrom = expected.mirrorPercent !== undefined && candidate !== undefined ? deployedName(candidate.version) : undefined;
    const before = mirrorFrom === undefined ? 0 : await reader.served(mirrorFrom).catch(() => NaN);
    const sample = await sampleEntry(entryUrl, n, { newConnections: expected.perConnection });
    add(checkEntry(entryUrl, sample));
    add(checkVersionMix(expected, sample));
    if (expected.activeColor !== undefined) {
        add(checkColour(expected.activeColor, sample));
    }
    if (expected.sticky) {
        // 200 users, 5 requests each over 5 s, every one with its own cookies and connection.
        const run = await new Probe({ url: entryUrl, ratePerSecond: 200, durationS: 5, timeoutMs: 5000, maxInFlight: 400, users: 200 }).run();
        add(checkUsers(expected, run.users ?? { users: 0, shares: {}, flipped: 0, flipRate: 0 }));
    }
    if (expected.mirrorPercent !== undefined) {
        if (mirrorFrom === undefined) {
            add({ check: "mirror share", status: "fail", measured: "no candidate workload deployed", expected: `${expected.mirrorPercent}%` });
        } else {
            await attempt("mirror share", async () => {
                // A copy is sent alongside its request and may land just after the answer.
                await new Promise((r) => setTimeout(r, 1000));
                const after = await reader.served(mirrorFrom);
                if (!Number.isFinite(before)) {
                    throw new Error(`could not read ${mirrorFrom}'s request counter before the requests`);
                }
                return checkMirror(expected.mirrorPercent!, after - before, sample.requests);
            });
        }
    }
    if (candidate !== undefined && expected.header !== undefined) {
        const { name, value, regex } = expected.header;
        const sent = regex ? options.headerValue : value;
        if (sent === undefined) {
            add(skipped("header rule", `the rule is a regular expression (${value}): give --header-value with a value it matches`, `${candidate.version} for a matching ${name}`));
        } else {
            const s = await sampleEntry(entryUrl, 100, { headers: { [name]: sent }, newConnections: expected.perConnection });
            add(checkMatched("header rule", `${name}: ${sent}`, candidate.version, s));
        }
    }
    if (candidate !== undefined && expected.cookie !== undefined) {
        const s = await sampleEntry(entryUrl, 100, { headers: { Cookie: `${expected.cookie}=always` }, newConnections: expected.perConnection });
        add(checkMatched("cookie rule", `Cookie: ${expected.cookie}=always`, candidate.version, s));
    }
    if (reader.nodes !== undefined) {
        const nodes = reader.nodes;
        await attempt("nodes", async () => {
            try {
                return checkNodes(await nodes());
            } catch (e) {
                // A student's credentials may not list nodes (kubernetes.studentAccess): not the lab's fault.
                if (/forbidden/i.test((e as Error).message)) {
                    return skipped("nodes", "these credentials may not list the cluster's nodes");
                }
                throw e;
            }
        });
    }
    await attempt(reader.unit, async () => checkReplicas(expected, await reader.workloads(routing.workloads.map((w) => ({ name: w.name, version: w.version }))), reader.unit));
    if (!expected.monitoring) {
        add(skipped("monitoring", "monitoring is off in this stack (monitoring.enabled: false)"));
    } else if (typeof outputs.prometheusUrl !== "string" || !/^https?:\/\//.test(outputs.prometheusUrl)) {
        add(skipped("monitoring", `Prometheus is not published on the host (${String(outputs.prometheusUrl)})`));
    } else {
        const url = outputs.prometheusUrl;
        await attempt("monitoring", async () => {
            // Right after a `pulumi up`, new targets are not scraped yet ("unknown") or not yet reachable:
            // wait up to 30 s for every one to be up before judging.
            const deadline = Date.now() + 30000;
            let targets = await scrapeTargets(url);
            while (Date.now() < deadline && (targets.length === 0 || targets.some((t) => t.health !== "up"))) {
                await new Promise((r) => setTimeout(r, 2000));
                targets = await scrapeTargets(url);
            }
            return checkTargets(targets);
        });
    }
}

export function checkCommand(): Command {
    return new Command("check")
        .argument("<stack>")
        .description("check the live lab against the stack's config, or a lesson's step: version mix, colour, A/B rules, mirror share, copies, monitoring")
        .option("--step <n>", "the lesson step (lessons/<strategy>.md) the stack must be at", number("step", 1, 20))
        .option("--requests <n>", "requests sent to the entry for the version mix and the mirror share (default 1000 for a split or a partial mirror, 200 otherwise)", number("requests", 10, 20000))
        .option("--header-value <value>", "a value the A/B rule's regular expression matches, to send in its header")
        .option("--json", "print the report as JSON on stdout (one object: stack, step, ok, checks)")
        .addHelpText("after", `\nExit codes: ${exitCodes.ok} every check passed (skips are printed, not failures), ${exitCodes.failed} a check failed, ${exitCodes.usage} bad usage or config.`)
        .action(async (stackName: string, opts: { step?: number; requests?: number; headerValue?: string; json?: boolean }) => {
            stackArg(stackName);
            if (opts.step !== undefined && !Number.isInteger(opts.step)) {
                throw new LabUsageError("--step", JSON.stringify(String(opts.step)), "a whole number");
            }
            const config = loadStackConfig(stackName); // a bad stack file is a usage error before anything is read
            if (opts.step !== undefined) {
                stepChange(lessonFor(config.strategy), opts.step); // so is a step the lesson does not have: before the CLI is looked for
            }
            // No stack is a failed check ("no deployment"), not an error: after a teardown, say what is missing.
            const stack = await projectStack(stackName, false, false).catch((e: unknown) => {
                if (e instanceof NoStackError) {
                    return undefined;
                }
                throw e;
            });
            const report = await runChecks(stackName, stack, {
                step: opts.step,
                requests: opts.requests,
                headerValue: opts.headerValue,
                onLine: opts.json ? undefined : (line) => process.stdout.write(`${formatLine(line)}\n`),
            });
            if (opts.json) {
                process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
            } else {
                const count = (s: string) => report.checks.filter((c) => c.status === s).length;
                process.stdout.write(`${report.ok ? "ok" : "FAILED"}: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped\n`);
            }
            process.exitCode = report.ok ? exitCodes.ok : exitCodes.failed;
        });
}
