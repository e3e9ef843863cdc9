// `pulumi preview` of one stack of stacks/, the way a pull request sees it: the real engine with the
// program inline (a scratch project, tools/lib/workspace.ts), a local backend of its own with a throwaway
// passphrase, and the repo's policy pack started by policy/run-pack (no language host needed). What each
// resource would get, every policy finding and the summary are read from the engine's events, with
// secrets shown as "[secret]".
import * as automation from "@pulumi/pulumi/automation";
import * as path from "path";
import { openLabStack } from "../../lib/workspace";
import { repoRoot } from "../../lib/stackFile";

export const policyPackDir = path.join(repoRoot, "policy");
/** The policy pack as an executable the CLI starts by itself (policy/run-pack). */
export const policyPackRunner = path.join(policyPackDir, "run-pack");

export interface PreviewOptions {
    stack: string;
    /** Config on top of the stack file, by path (e.g. renderYamlTo). */
    config?: Record<string, string>;
    /** Run the policy pack (default true). */
    policy?: boolean;
    /** Extra environment for the CLI and its plugins. */
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
    const events: Record<string, any>[] = [];
    for (const line of lines.filter((l) => l.trim().startsWith("{"))) {
        try {
            events.push(JSON.parse(line));
        } catch {
            continue;
        }
    }
    return parseEngineEvents(stack, events, root);
}

/** The result of a preview from the engine's events (the Automation API's onEvent, or the CLI's JSON lines). */
export function parseEngineEvents(stack: string, events: Record<string, any>[], root?: string): Omit<PreviewResult, "exitCode" | "seconds" | "ok"> {
    const resources: Record<string, PlannedResource> = {};
    const policy: PolicyFinding[] = [];
    const errors: string[] = [];
    let changes: Record<string, number> = {};
    for (const e of events) {
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
    const lab = await openLabStack({ stack: options.stack, config: options.config, env: options.env });
    try {
        const events: automation.EngineEvent[] = [];
        const started = process.hrtime.bigint();
        let exitCode = 0;
        let cliErrors: string[] = [];
        try {
            await lab.stack.preview({ policyPacks: options.policy ?? true ? [policyPackRunner] : [], onEvent: (e) => events.push(e), color: "never" });
        } catch (e) {
            exitCode = e instanceof automation.CommandError ? 255 : 1;
            cliErrors = String(e instanceof Error ? e.message : e)
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => /^error:/.test(l));
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const parsed = parseEngineEvents(options.stack, events as unknown as Record<string, any>[], repoRoot);
        const errors = [...parsed.errors, ...cliErrors.filter((l) => !parsed.errors.some((e) => e.includes(l.replace(/^error:\s*/, ""))))];
        return { ...parsed, errors, ok: exitCode === 0, exitCode, seconds };
    } finally {
        await lab.stack.workspace.removeStack(options.stack, { force: true }).catch(() => undefined);
        lab.remove();
    }
}
