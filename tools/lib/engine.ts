// The lab's stacks through the Pulumi Automation API: the repo's own project (Pulumi.yaml: stack files in
// stacks/, state in ./.pulumi) for `lab up/down/preview/rollout`, or a scratch copy (workspace.ts) for
// `lab compare`, which must not touch the stack files or state a user works with. Either way the program
// runs inline, in this process (labInlineProgram): the CLI needs no Node.js language host, only the
// plugins the stack's resources use. `pulumi up -s <stack>` runs the same program through index.ts.
import * as automation from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { labEnv, labInlineProgram, projectStateDir, setPathConfig } from "./workspace";
import { repoRoot } from "./stackFile";
import { ConfigChange } from "../../components/plan";
import { quickUp } from "./quickUp";
import { assertStateWritable } from "./stateFolder";
import { knownPulumiCommand, selectedStackOf, stackSelectedLater } from "./pulumiCli";
import { localBackendDir, localCheckpoint } from "../../program/crdState";

/** The Pulumi CLI: on PATH, or the one scripts/toolchain.sh built (its cache is put on PATH). */
export function ensurePulumiCli(): string {
    const found = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" });
    if (found.status === 0) {
        return found.stdout.trim();
    }
    const cache = path.join(process.env.ROLLOUT_LAB_TOOLCHAIN_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "rollout-lab", "toolchain"), "bin");
    if (fs.existsSync(path.join(cache, "pulumi"))) {
        process.env.PATH = `${cache}${path.delimiter}${process.env.PATH ?? ""}`;
        return path.join(cache, "pulumi");
    }
    throw new Error("the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/) or run scripts/toolchain.sh");
}

/** A command that needs the stack to exist (check, rollout, down) on a stack that does not. */
export class NoStackError extends Error {
    constructor(stack: string) {
        super(`stack ${stack} does not exist yet: npx lab up ${stack} creates it (or pulumi stack init ${stack})`);
        this.name = "NoStackError";
    }
}

/**
 * A stack of the repo's project with the lab's local-backend settings: created on first use by `up` and
 * `preview` (`create`), only selected by the others, so a check or a teardown never leaves a stack behind.
 */
export async function projectStack(stack: string, create = false, writes = true): Promise<automation.Stack> {
    if (writes) {
        // Before the CLI is looked for: a read-only state folder is said first and alike with or without it.
        assertStateWritable(projectStateDir);
    }
    const cli = ensurePulumiCli();
    fs.mkdirSync(projectStateDir, { recursive: true });
    const envVars = labEnv(undefined);
    const env = { ...process.env, ...envVars };
    const workspace = await automation.LocalWorkspace.create({ workDir: repoRoot, envVars, program: labInlineProgram(repoRoot, env), pulumiCommand: await knownPulumiCommand(cli) });
    // A stack whose checkpoint is in the lab's local backend exists: selected after the command's work.
    const backend = localBackendDir(repoRoot, env);
    const settings = await workspace.projectSettings();
    const project = settings.name;
    if (backend !== undefined && localCheckpoint(backend, project, stack) !== undefined) {
        const backendUrl = env.PULUMI_BACKEND_URL ?? settings.backend?.url;
        const selected = backendUrl !== undefined && selectedStackOf(path.join(repoRoot, "Pulumi.yaml"), project, backendUrl, env) === `organization/${project}/${stack}`;
        return stackSelectedLater(workspace, stack, selected);
    }
    if (create) {
        return automation.Stack.createOrSelect(stack, workspace);
    }
    try {
        return await automation.Stack.select(stack, workspace);
    } catch (e) {
        throw e instanceof automation.StackNotFoundError ? new NoStackError(stack) : e;
    }
}

/**
 * Another update holds the stack's lock (two `lab up` at once, or one that was killed): which process holds
 * it and since when, whether it still runs (on this machine), and what to do; undefined for another error.
 * Nothing was changed: the engine refuses before it starts.
 */
export function lockedStackMessage(e: unknown, isRunning: (pid: number) => boolean = processRuns): string | undefined {
    const message = e instanceof Error ? e.message : String(e);
    if (!/the stack is currently locked/.test(message)) {
        return undefined;
    }
    const lock = /(file:\/\/\S+?\.json)\S*: created by (\S+?)@(\S+) \(pid (\d+)\) at (\S+)/.exec(message);
    if (lock === null) {
        return "another update of this stack is running (the stack is locked); nothing was changed: wait for it to end";
    }
    const [, url, user, host, pidText, at] = lock;
    const file = decodeURIComponent(new URL(url).pathname);
    const pid = Number(pidText);
    const here = host === os.hostname();
    const state = here ? (isRunning(pid) ? "still running" : "no longer running: the lock is stale (an update that was killed)") : `on ${host}: cannot tell whether it runs`;
    const what = here && !isRunning(pid) ? `remove the lock file and run the command again: rm ${file}` : `wait for it to end${here ? "" : `, or, if it does not run, remove ${file}`}`;
    return `another update of this stack holds its lock: pid ${pid} (${user}@${host}), since ${at}, ${state}; nothing was changed: ${what}`;
}

function processRuns(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Engine output to stderr, line by line with a prefix: the progress of a long `pulumi up`. */
export function engineOutput(prefix: string, write: (s: string) => void = (s) => process.stderr.write(s)): (out: string) => void {
    let partial = "";
    return (out: string) => {
        const lines = (partial + out).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
            if (line.trim() !== "") {
                write(`${prefix}${line}\n`);
            }
        }
    };
}

/** Sets path-style config values (canary.weight) and runs `pulumi up`; returns the outputs as plain values. */
export async function applyChange(stack: automation.Stack, change: ConfigChange, label: string, quiet = false): Promise<Record<string, unknown>> {
    await setPathConfig(stack, change);
    // The outputs from the update's events (secrets left out): none of its callers reads a secret.
    const result = await quickUp(stack, { onOutput: quiet ? undefined : engineOutput(`  [${label}] `), color: "never" });
    return plainOutputs(result.outputs);
}

export async function stackOutputs(stack: automation.Stack): Promise<Record<string, unknown>> {
    return plainOutputs(await stack.outputs());
}

function plainOutputs(outputs: automation.OutputMap): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}
