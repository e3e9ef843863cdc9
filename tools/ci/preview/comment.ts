// The pull request's one comment: for each stack the PR touches, whether its preview passed (the policy
// pack included), and what changes against the base branch: the resources added or removed and, for
// each resource in both, the input fields whose values differ, old -> new. Both sides are previews
// against an empty state, so the comparison needs no deployed lab: the field diff is what a reviewer of
// a stack-file or code edit wants to see (a selector, a weight, a replica count).
import { PlannedResource, PreviewResult } from "./previewStack";

/** One input field that differs: its path (spec.replicas, metadata.annotations.x), old and new value. */
export interface FieldChange {
    path: string;
    before: unknown;
    after: unknown;
}

/** Fields of `after` that differ from `before`, by path; arrays compared by index. */
export function fieldChanges(before: unknown, after: unknown, at = ""): FieldChange[] {
    const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
    if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => (Array.isArray(before) ? Number(a) - Number(b) : a.localeCompare(b)));
        return keys.flatMap((k) => fieldChanges(before[k], after[k], Array.isArray(before) ? `${at}[${k}]` : at === "" ? k : `${at}.${k}`));
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at, before, after }];
}

export interface StackComparison {
    stack: string;
    head: PreviewResult;
    base?: PreviewResult;
}

const MAX_FIELDS = 40;
const MAX_VALUE = 120;

function show(v: unknown): string {
    if (v === undefined) return "—";
    const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
    const one = s.replace(/\\n/g, "⏎");
    return `\`${one.length > MAX_VALUE ? `${one.slice(0, MAX_VALUE - 1)}…` : one}\``.replace(/\|/g, "\\|");
}

function label(r: PlannedResource): string {
    return `${r.type.replace(/^kubernetes:/, "").replace(/^docker:index\//, "docker:")} \`${r.name}\``;
}

/** The Markdown of one stack's section. */
export function stackSection(c: StackComparison): string {
    const { head, base } = c;
    const mandatory = head.policy.filter((p) => p.level === "mandatory");
    const advisory = head.policy.filter((p) => p.level !== "mandatory");
    const status = head.ok && mandatory.length === 0 ? "✅ preview passed" : "❌ preview failed";
    const lines = [`### \`${c.stack}\`: ${status}`, ""];
    const counts = Object.entries(head.changes).map(([op, n]) => `${n} ${op}`).join(", ");
    lines.push(`Resources (against an empty state): ${counts || "none"}.`, "");
    for (const e of head.errors) lines.push("```", e.length > 1500 ? `${e.slice(0, 1500)}…` : e, "```", "");
    if (mandatory.length + advisory.length > 0) {
        lines.push("| policy | level | resource | finding |", "|---|---|---|---|");
        for (const p of [...mandatory, ...advisory]) lines.push(`| ${p.policy} | ${p.level} | \`${p.resource}\` | ${p.message.replace(/\|/g, "\\|")} |`);
        lines.push("");
    }
    if (!base) {
        lines.push("No base preview: the stack is new in this pull request, or the base branch could not preview it.", "");
        return lines.join("\n");
    }
    const custom = (rs: Record<string, PlannedResource>) => Object.entries(rs).filter(([, r]) => !r.type.startsWith("pulumi:") && Object.keys(r.inputs).length > 0);
    const before = new Map(custom(base.resources));
    const after = new Map(custom(head.resources));
    const added = [...after.keys()].filter((k) => !before.has(k));
    const removed = [...before.keys()].filter((k) => !after.has(k));
    const changed = [...after.keys()].filter((k) => before.has(k)).map((k) => ({ r: after.get(k)!, fields: fieldChanges(before.get(k)!.inputs, after.get(k)!.inputs) })).filter((x) => x.fields.length > 0);
    if (added.length + removed.length + changed.length === 0) {
        lines.push("**No change** against the base branch: every resource gets the same inputs.", "");
        return lines.join("\n");
    }
    lines.push(`**Against the base branch:** ${added.length} added, ${removed.length} removed, ${changed.length} changed.`, "");
    for (const k of added) lines.push(`- added: ${label(after.get(k)!)}`);
    for (const k of removed) lines.push(`- removed: ${label(before.get(k)!)}`);
    if (added.length + removed.length > 0) lines.push("");
    if (changed.length > 0) {
        lines.push("| resource | field | base | this PR |", "|---|---|---|---|");
        let shown = 0;
        for (const { r, fields } of changed) {
            for (const f of fields) {
                if (shown++ < MAX_FIELDS) lines.push(`| ${label(r)} | \`${f.path}\` | ${show(f.before)} | ${show(f.after)} |`);
            }
        }
        if (shown > MAX_FIELDS) lines.push("", `…and ${shown - MAX_FIELDS} more fields (the workflow's log has every preview).`);
        lines.push("");
    }
    return lines.join("\n");
}

/** The whole comment; the marker lets the workflow find and replace its own comment on the next push. */
export const COMMENT_MARKER = "<!-- rollout-lab-preview -->";

export function commentBody(comparisons: StackComparison[], meta: { base?: string; head?: string } = {}): string {
    const failed = comparisons.filter((c) => !c.head.ok || c.head.policy.some((p) => p.level === "mandatory"));
    const header = [
        COMMENT_MARKER,
        "## rollout-lab: `pulumi preview` with the policy pack",
        "",
        comparisons.length === 0
            ? "This pull request touches no stack and no shared code: nothing to preview."
            : `${comparisons.length} stack${comparisons.length === 1 ? "" : "s"} previewed${meta.head ? ` at \`${meta.head}\`` : ""}${meta.base ? ` against \`${meta.base}\`` : ""}: ${failed.length === 0 ? "all passed" : `${failed.length} failed (${failed.map((c) => `\`${c.stack}\``).join(", ")})`}.`,
        "",
    ];
    return [...header, ...comparisons.map(stackSection)].join("\n").trimEnd() + "\n";
}
