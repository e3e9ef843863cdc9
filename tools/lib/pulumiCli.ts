// The Pulumi CLI as the lab's commands start it, without two of the CLI runs the Automation API makes
// before any update: every `lab` command ran `pulumi version` (LocalWorkspace.create, to check the CLI
// against the SDK's minimum) and `pulumi stack select` (Stack.select, to check that the stack exists and
// make it the one a bare `pulumi` acts on), ~0.2 s each here, before the engine started.
// - The version is kept in node_modules/.cache/rollout-lab-cli.json, keyed by the binary (its real path,
//   size and modification time) and the SDK's version: a new or rebuilt CLI, or a new SDK, is asked
//   again, and checked by the SDK as before.
// - Where the stack's checkpoint is in the lab's local backend (so the stack exists), the selection is
//   made after the command's work (selectLeftStacks, which `lab` runs before it exits), and not at all
//   where the CLI's workspace file says the stack is selected already; the update itself names its stack
//   (`--stack`), as every command of the Automation API does.
import * as automation from "@pulumi/pulumi/automation";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";

/** The SDK's version (part of the key: its minimum CLI version may change with it). */
function sdkVersion(): string {
    return (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;
}

/** The cache file: the project's node_modules/.cache, where the provider texts are kept too. */
export function cliCacheFile(): string {
    return path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "..", "..", ".cache", "rollout-lab-cli.json");
}

/** What identifies a CLI binary and the SDK that checks it. */
export function cliKey(binary: string): string {
    const real = fs.realpathSync(binary);
    const st = fs.statSync(real);
    return `${real}:${st.size}:${Math.trunc(st.mtimeMs)}:sdk ${sdkVersion()}`;
}

// PulumiCommand's constructor is private in the SDK's types; at run time it is (command, version), which
// is what PulumiCommand.get makes after running `pulumi version`.
const PulumiCommandOf = automation.PulumiCommand as unknown as new (command: string, version: semver.SemVer | null) => automation.PulumiCommand;

/**
 * The CLI at `binary` (found on PATH, as `pulumi`) for LocalWorkspace.create: its version from the cache
 * when the binary and the SDK are the ones it was asked of, otherwise from PulumiCommand.get (which runs
 * `pulumi version` and checks it), then kept.
 */
export async function knownPulumiCommand(binary: string, cacheFile = cliCacheFile()): Promise<automation.PulumiCommand> {
    let key: string | undefined;
    try {
        key = cliKey(binary);
        const kept = (JSON.parse(fs.readFileSync(cacheFile, "utf8")) as { key?: string; version?: string }) ?? {};
        const version = kept.key === key && typeof kept.version === "string" ? semver.parse(kept.version) : null;
        if (version !== null) {
            return new PulumiCommandOf("pulumi", version);
        }
    } catch {
        // no cache yet, or one that cannot be read: ask the CLI
    }
    const command = await automation.PulumiCommand.get();
    if (key !== undefined && command.version !== null) {
        try {
            fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
            // Another process may write it at the same time: each writes a whole file and renames it.
            const tmp = `${cacheFile}.${process.pid}`;
            fs.writeFileSync(tmp, JSON.stringify({ key, version: command.version.toString() }));
            fs.renameSync(tmp, cacheFile);
        } catch {
            // a cache that cannot be written costs the next command one `pulumi version`
        }
    }
    return command;
}

const leftSelections: (() => Promise<void>)[] = [];

/** Where the CLI keeps a project folder's selected stacks: <PULUMI_HOME>/workspaces/<project>-<sha1 of the project file's path>-workspace.json. */
export function workspaceFileOf(projectFile: string, project: string, env: NodeJS.ProcessEnv = process.env): string {
    const home = env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    return path.join(home, "workspaces", `${project}-${crypto.createHash("sha1").update(projectFile).digest("hex")}-workspace.json`);
}

/**
 * The stack a bare `pulumi` in the project of `projectFile` acts on with the backend `backendUrl`, as the
 * CLI keeps it (~/.pulumi/workspaces/<project>-<sha1 of the project file's path>-workspace.json, "stacks":
 * backend URL -> "organization/<project>/<stack>" for a file backend); undefined where it cannot be read.
 * Read only to skip a `pulumi stack select` that would change nothing.
 */
export function selectedStackOf(projectFile: string, project: string, backendUrl: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    try {
        const settings = JSON.parse(fs.readFileSync(workspaceFileOf(projectFile, project, env), "utf8")) as { stacks?: Record<string, unknown> };
        const selected = settings.stacks?.[backendUrl];
        return typeof selected === "string" ? selected : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The stack `name` of `workspace`, known to exist (its checkpoint is in the local backend): a Stack
 * object without running `pulumi stack select` now; the selection is left for selectLeftStacks, unless
 * `selected` says it is the selected stack already.
 */
export async function stackSelectedLater(workspace: automation.LocalWorkspace, name: string, selected = false): Promise<automation.Stack> {
    const select = workspace.selectStack;
    // Stack.select's constructor calls the workspace's selectStack: this once, it does nothing.
    workspace.selectStack = async () => undefined;
    let stack: automation.Stack;
    try {
        stack = await automation.Stack.select(name, workspace);
    } finally {
        workspace.selectStack = select;
    }
    if (selected) {
        return stack;
    }
    leftSelections.push(async () => {
        try {
            await workspace.selectStack(name);
        } catch (e) {
            // `lab down` removes the stack: nothing is left to select.
            if (!(e instanceof automation.StackNotFoundError)) {
                throw e;
            }
        }
    });
    return stack;
}

/** Runs the selections left by stackSelectedLater (`pulumi stack select`, as before), each once. */
export async function selectLeftStacks(): Promise<void> {
    for (const select of leftSelections.splice(0)) {
        await select();
    }
}
