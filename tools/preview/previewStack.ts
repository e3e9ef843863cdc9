// `pulumi preview` of one stack of stacks/, the way a pull request sees it: the CLI itself, a scratch
// project whose main is the repo (tools/lab/workspace.ts), a local backend of its own with a throwaway
// passphrase, and the repo's policy pack. The CLI streams its engine events as JSON
// (PULUMI_ENABLE_STREAMING_JSON_PREVIEW with --json): what each resource would get, every policy finding
// and the summary are read from them, with secrets already shown as "[secret]" by the CLI.
import { spawnSync } from "child_process";
import * as path from "path";
import { labEnv, openLabStack } from "../lab/workspace";
import { repoRoot } from "../lab/stackFile";

export const policyPackDir = path.join(repoRoot, "policy");

export interface PreviewOptions {
    stack: string;
    /** Config on top of the stack file, by path (e.g. renderYamlTo). */
    config?: Record<string, string>;
    /** Run the policy pack (default true). */
    policy?: boolean;
    /** Extra environment for the CLI (e.g. PULUMI_NODEJS_TRANSPILE_ONLY=false to type-check as before). */
    env?: Record<string, string>;
}

export interface PolicyFinding {
    policy: string;
    level: string;
    /** The resource's name (the URN's last part), or "stack". */
    resource: string;
    message: string;
}

export interface PlannedResource {
    type: string;
    name: string;
    op: string;
    /** The inputs it would be created or updated with (secrets as "[secret]"). */
    inputs: Record<string, unknown>;
}

export interface PreviewResult {
    stack: string;
    ok: boolean;
    exitCode: number;
    seconds: number;
    /** Resource counts by operation, as the CLI's summary gives them. */
    changes: Record<string, number>;
    /** By URN without the stack's name (urn:pulumi:<stack>::), so two stacks' or revisions' line up. */
    resources: Record<string, PlannedResource>;
    policy: PolicyFinding[];
    /** Error diagnostics (the program's or a provider's), and the CLI's own error if it stopped early. */
    errors: string[];
}

/** A URN without its stack: the same resource under any stack name. */
export function resourceKey(urn: string): string {
    return urn.replace(/^urn:pulumi:[^:]+::/, "");
}

const secretSig = "4dabf18193072939515e22adb298388d";

/**
 * Inputs with the engine's secret wrappers replaced by "[secret]", and the checkout's own path by
 * "<repo>" (the images' build contexts), so two checkouts of the same code compare equal.
 */
function plain(v: unknown, root: string | undefined): unknown {
    if (Array.isArray(v)) return v.map((x) => plain(x, root));
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (secretSig in o) return "[secret]";
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x, root)]));
    }
    return typeof v === "string" && root ? v.split(root).join("<repo>") : v;
}

/** The result of a preview from the CLI's streamed engine events (one JSON object a line). */
export function parseEvents(stack: string, lines: string[], root?: string): Omit<PreviewResult, "exitCode" | "seconds" | "ok"> {
    const resources: Record<string, PlannedResource> = {};
    const policy: PolicyFinding[] = [];
    const errors: string[] = [];
    let changes: Record<string, number> = {};
    for (const line of lines) {
        if (!line.trim().startsWith("{")) continue;
        let e: Record<string, any>;
        try {
            e = JSON.parse(line);
        } catch {
            continue;
        }
        if (e.resourcePreEvent) {
            const m = e.resourcePreEvent.metadata;
            const state = m.new ?? m.old ?? {};
            resources[resourceKey(m.urn)] = { type: m.type, name: m.urn.split("::").pop(), op: m.op, inputs: plain(state.inputs ?? {}, root) as Record<string, unknown> };
        } else if (e.policyEvent) {
            const p = e.policyEvent;
            // The message is the policy's description, a newline, then what it found.
            const message = String(p.message).trim().split("\n").slice(1).join(" ").trim() || String(p.message).trim();
            const urn = String(p.resourceUrn ?? "");
            // A stack policy's finding is on the Stack resource (or on none): "stack".
            const resource = urn === "" || urn.includes("::pulumi:pulumi:Stack::") ? "stack" : urn.split("::").pop()!;
            policy.push({ policy: p.policyName, level: p.enforcementLevel, resource, message });
        } else if (e.diagnosticEvent && e.diagnosticEvent.severity === "error") {
            errors.push(String(e.diagnosticEvent.message).trim());
        } else if (e.summaryEvent) {
            changes = e.summaryEvent.resourceChanges ?? {};
        }
    }
    return { stack, changes, resources, policy, errors };
}

export async function previewStack(options: PreviewOptions): Promise<PreviewResult> {
    const lab = await openLabStack({ stack: options.stack, config: options.config });
    try {
        const args = ["preview", "--json", "--non-interactive", "--stack", options.stack];
        if (options.policy ?? true) args.push("--policy-pack", policyPackDir);
        const started = process.hrtime.bigint();
        const run = spawnSync("pulumi", args, {
            cwd: lab.scratchDir,
            env: { ...process.env, ...labEnv(lab.scratchDir), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true", ...options.env },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
            timeout: 10 * 60 * 1000,
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const parsed = parseEvents(options.stack, (run.stdout ?? "").split("\n"), repoRoot);
        const exitCode = run.status ?? 1;
        const stderr = (run.stderr ?? "").split("\n").filter((l) => /^error:/.test(l.trim())).map((l) => l.trim());
        const errors = [...parsed.errors, ...stderr.filter((l) => !parsed.errors.some((e) => e.includes(l.replace(/^error:\s*/, ""))))];
        return { ...parsed, errors, ok: exitCode === 0, exitCode, seconds };
    } finally {
        await lab.stack.workspace.removeStack(options.stack, { force: true }).catch(() => undefined);
        lab.remove();
    }
}
