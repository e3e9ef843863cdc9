// Running a stack of this lab through the Pulumi Automation API, without touching the repo: each run gets
// a scratch project folder with the project's settings and a copy of the stack file, and a local file
// backend of its own. The program runs inline (labInlineProgram).
import * as automation from "@pulumi/pulumi/automation";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { repoRoot, setStackFileValues, stackFilePath } from "./stackFile";
import { workspaceFileOf } from "./pulumiCli";
import { labProgram } from "../../program/lab";
import { localBackendDir } from "../../program/crdState";

/**
 * The program as the Automation API runs it inline: the same one index.ts exports, told the backend folder
 * of the workspace it runs in (`env`: the workspace's environment over the process's), as index.ts reads it.
 */
export function labInlineProgram(workDir: string, env: NodeJS.ProcessEnv): automation.PulumiFn {
    const backendDir = localBackendDir(workDir, env);
    return async () => labProgram({ backendDir });
}

export interface LabStackOptions {
    /** A stack of stacks/ (e.g. swarm-canary). */
    stack: string;
    /** Config to set on top of the stack file, by path: { "rollout-lab:canary.weight": "50" }. */
    config?: Record<string, string>;
    /** Where state and the scratch project go; a new temp folder by default. */
    scratchDir?: string;
    /** Passphrase for the stack's secrets; by default passphraseEnv's (the user's, or a random one in the scratch state). */
    passphrase?: string;
    /** Extra environment for the CLI and its plugins. */
    env?: Record<string, string>;
}

export interface LabStack {
    stack: automation.Stack;
    scratchDir: string;
    /** Deletes the scratch folder (project, stack file, state) if this run made it; call after destroy. */
    remove(): void;
}

/**
 * How the stack's secrets are encrypted: PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE as the
 * user set them; otherwise a random passphrase in `<stateDir>/passphrase`, made on first use (mode 0600,
 * never printed), which `pulumi` reads too with PULUMI_CONFIG_PASSPHRASE_FILE. No fixed passphrase a
 * reader of this code would know.
 */
export function passphraseEnv(stateDir: string, env: NodeJS.ProcessEnv = process.env, onCreate: (file: string) => void = () => undefined): Record<string, string> {
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
        return { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE };
    }
    if (env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) {
        return { PULUMI_CONFIG_PASSPHRASE_FILE: env.PULUMI_CONFIG_PASSPHRASE_FILE };
    }
    const file = path.join(stateDir, "passphrase");
    if (!fs.existsSync(file)) {
        fs.mkdirSync(stateDir, { recursive: true });
        // "wx": never overwrite one another process just made.
        try {
            fs.writeFileSync(file, `${crypto.randomBytes(24).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
            onCreate(file);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
                throw e;
            }
        }
    }
    return { PULUMI_CONFIG_PASSPHRASE_FILE: file };
}

/** The project's state folder (Pulumi.yaml's backend, file://./.pulumi), where `lab` keeps its passphrase. */
export const projectStateDir = path.join(repoRoot, ".pulumi");

/**
 * The environment every Pulumi command of the lab runs with: offline, no prompts, and a local backend in
 * `scratchDir` (without one, the project's own Pulumi.yaml backend: file://./.pulumi); the passphrase
 * given, or passphraseEnv's.
 */
export function labEnv(scratchDir: string | undefined, passphrase?: string): Record<string, string> {
    const stateDir = scratchDir === undefined ? projectStateDir : path.join(scratchDir, "state");
    const announce = (file: string) => process.stderr.write(`lab: made ${path.relative(process.cwd(), file) || file}, a random passphrase for this lab's secrets (keep it; for pulumi itself: export PULUMI_CONFIG_PASSPHRASE_FILE=${file})\n`);
    return {
        ...(scratchDir === undefined ? {} : { PULUMI_BACKEND_URL: `file://${stateDir}` }),
        ...(passphrase !== undefined ? { PULUMI_CONFIG_PASSPHRASE: passphrase } : passphraseEnv(stateDir, process.env, scratchDir === undefined ? announce : undefined)),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        // A laptop's engine downloads the plugins a stack needs on first use; a machine that cannot (its
        // plugins come from scripts/toolchain.sh) says PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true.
        ...(process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION !== undefined ? { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION } : {}),
        PULUMI_SKIP_CONFIRMATIONS: "true",
        // Where the dynamic-provider launcher (scripts/toolchain.sh writes it beside the CLI) finds
        // @pulumi/pulumi: an inline program's project folder may be a scratch folder without node_modules.
        ROLLOUT_LAB_ROOT: repoRoot,
    };
}

export async function openLabStack(options: LabStackOptions): Promise<LabStack> {
    const source = stackFilePath(options.stack);
    const ownScratch = options.scratchDir === undefined;
    const scratchDir = options.scratchDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `rollout-lab-${options.stack}-`));
    fs.mkdirSync(path.join(scratchDir, "stacks"), { recursive: true });
    fs.mkdirSync(path.join(scratchDir, "state"), { recursive: true });
    // The CLI starts plugins in the project folder, and the dynamic-provider launcher that Pulumi's
    // installer ships runs ./node_modules/@pulumi/pulumi/...: give the scratch folder the repo's.
    const modules = path.join(scratchDir, "node_modules");
    if (!fs.existsSync(modules)) {
        fs.symlinkSync(path.join(repoRoot, "node_modules"), modules, "dir");
    }
    const project = {
        name: "rollout-lab",
        // The repo's tsconfig.pulumi.json, as its Pulumi.yaml names it: compiled without type-checking.
        runtime: { name: "nodejs", options: { typescript: true, tsconfig: path.join(repoRoot, "tsconfig.pulumi.json") } },
        main: repoRoot,
        stackConfigDir: "stacks",
        backend: { url: `file://${path.join(scratchDir, "state")}` },
    };
    fs.writeFileSync(path.join(scratchDir, "Pulumi.yaml"), YAML.stringify(project));
    const stackFile = path.join(scratchDir, "stacks", `Pulumi.${options.stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        // Without the salt `lab up` leaves in the repo's file: it belongs to that stack's secrets, and a
        // scratch stack is a new stack with its own state and passphrase (with it, `stack init` fails).
        const doc = YAML.parseDocument(fs.readFileSync(source, "utf8"));
        doc.delete("encryptionsalt");
        fs.writeFileSync(stackFile, doc.toString({ lineWidth: 0 }));
    }
    const envVars = { ...labEnv(scratchDir, options.passphrase), ...options.env };
    const workspace = await automation.LocalWorkspace.create({ workDir: scratchDir, envVars, program: labInlineProgram(scratchDir, { ...process.env, ...envVars }) });
    const stack = await automation.Stack.createOrSelect(options.stack, workspace);
    await setPathConfig(stack, options.config ?? {});
    const remove = () => {
        if (ownScratch) {
            fs.rmSync(scratchDir, { recursive: true, force: true });
            // The CLI's note of the scratch project's selected stack (one file per project folder, left in
            // ~/.pulumi/workspaces by every scratch run before this).
            fs.rmSync(workspaceFileOf(path.join(scratchDir, "Pulumi.yaml"), project.name), { force: true });
        }
    };
    return { stack, scratchDir, remove };
}

/**
 * A stack of a program of its own (not the lab's), inline, in `dir` with the lab's local-backend settings
 * (state in <dir>/state, a random passphrase there): for the engine tests and benchmarks that need one.
 */
export async function scratchProgramStack(dir: string, project: string, stackName: string, program: automation.PulumiFn, env: Record<string, string> = {}): Promise<automation.Stack> {
    const state = path.join(dir, "state");
    fs.mkdirSync(state, { recursive: true });
    return automation.LocalWorkspace.createOrSelectStack(
        { stackName, projectName: project, program },
        { workDir: dir, projectSettings: { name: project, runtime: "nodejs", backend: { url: `file://${state}` } }, envVars: { ...labEnv(dir), ...env } },
    );
}

/**
 * Sets config values by path ("rollout-lab:canary.weight") in the stack's file, as `pulumi config set
 * --path` does, without running it (0.2-0.3 s a time here): the file in the workspace's stack config
 * folder, edited in this process (setStackFileValues).
 */
export async function setPathConfig(stack: automation.Stack, change: Record<string, string>): Promise<void> {
    if (Object.keys(change).length > 0) {
        setStackFileValues(await stackFileOf(stack), change);
    }
}

/** The file of a stack's config: Pulumi.<stack>.yaml in the project's stackConfigDir (or its folder). */
export async function stackFileOf(stack: automation.Stack): Promise<string> {
    const workDir = (stack.workspace as automation.LocalWorkspace).workDir;
    // Read here: the SDK's project settings have no stackConfigDir (its own stack settings look in workDir).
    const project = YAML.parse(await fs.promises.readFile(path.join(workDir, "Pulumi.yaml"), "utf8")) as { stackConfigDir?: string } | null;
    return path.join(workDir, project?.stackConfigDir ?? "", `Pulumi.${stack.name}.yaml`);
}
