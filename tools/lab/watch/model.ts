// `lab watch`: what one frame of the live view shows, and how it is made from what was read — pure, so the
// tests can give it readings. command.ts reads (the stack file, the workloads, Prometheus or the probe);
// view.ts draws it in a terminal; plainLine() is the frame as one line when stdout is not a terminal.
import { Expectations, LiveWorkload } from "../check/check";
import { ProbeRecord } from "../../probe/summary";
import { VersionHealth } from "../../lib/prometheus";

/** One version's row. Figures are null when there is no reading (no traffic, no series). */
export interface VersionRow {
    version: string;
    color: string;
    role: "stable" | "candidate";
    /** Percent of ordinary requests the stack config gives it. */
    configured: number;
    /** Percent of the answers in the window that came from it. */
    share: number | null;
    rps: number | null;
    /** Share of its requests answered 5xx, 0..1 (Prometheus; the probe cannot tell a failure's version). */
    errorRatio: number | null;
    p95Ms: number | null;
    replicas?: { running: number; desired: number };
    /** With simulated users (sticky): percent of the users in the window whose answers all came from it. */
    users?: number | null;
}

export interface WatchFrame {
    stack: string;
    at: Date;
    strategy: string;
    /** The configured routing in words: "canary 50% to v2 (native: 5 + 5 pods)". */
    routing: string;
    /** The step of measure.steps the configured weight is at, e.g. "step 2 of 3"; null when it is none. */
    step: string | null;
    source: "prometheus" | "probe";
    /** Over how many seconds the figures are taken. */
    windowS: number;
    versions: VersionRow[];
    /** Requests in the window that failed with no version to charge them to (the probe's). */
    unattributedFailures?: number;
    /** What could not be read this time (Prometheus down, the API server unreachable): said, not hidden. */
    problems: string[];
}

export interface WatchEvent {
    at: Date;
    text: string;
}

/** The configured routing in words, from the check's expectations of the stack file. */
export function routingWords(expected: Expectations): string {
    const candidate = expected.releases.find((r) => r.role === "candidate");
    switch (expected.strategy) {
        case "canary":
            return `canary ${candidate?.share ?? 0}% to ${candidate?.version ?? "?"}${expected.sticky ? ", sticky" : ""}${expected.note !== undefined ? ` (${expected.note})` : ""}`;
        case "bluegreen":
            return `blue/green, ${expected.activeColor} live`;
        case "abtest":
            return `A/B: ${[expected.header !== undefined ? `header ${expected.header.name}: ${expected.header.value}` : undefined, expected.cookie !== undefined ? `cookie ${expected.cookie}=always` : undefined].filter(Boolean).join(" or ")} to ${candidate?.version ?? "?"}`;
        case "shadow":
            return `shadow: ${expected.mirrorPercent ?? 100}% copied to ${candidate?.version ?? "?"}, answers from stable`;
        default:
            return `${expected.strategy}: ${expected.releases.map((r) => `${r.version} ${r.share}%`).join(", ")}`;
    }
}

/** "step 2 of 3" when the candidate's configured share is one of the rollout's steps. */
export function stepWords(strategy: string, candidateShare: number, steps: number[]): string | null {
    if (strategy !== "canary") {
        return null;
    }
    const i = steps.indexOf(candidateShare);
    return i < 0 ? (candidateShare === 0 ? "before the first step (0%)" : null) : `step ${i + 1} of ${steps.length}`;
}

function percentile(sorted: number[], p: number): number | null {
    if (sorted.length === 0) {
        return null;
    }
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The probe's own figures per version over the last `windowMs` before `nowMs` (ms since the probe started). */
export function probeFigures(
    records: readonly ProbeRecord[],
    nowMs: number,
    windowMs: number,
): { perVersion: Record<string, { answers: number; rps: number; p95Ms: number | null; users: number }>; answered: number; failed: number } {
    const from = nowMs - windowMs;
    const inWindow = records.filter((r) => r.sentAtMs >= from && r.sentAtMs < nowMs);
    const byVersion = new Map<string, number[]>();
    const usersOn = new Map<number, Set<string>>();
    let failed = 0;
    for (const r of inWindow) {
        if (r.version === undefined) {
            failed++;
            continue;
        }
        byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r.latencyMs]);
        if (r.user !== undefined) {
            usersOn.set(r.user, (usersOn.get(r.user) ?? new Set()).add(r.version));
        }
    }
    const perVersion: Record<string, { answers: number; rps: number; p95Ms: number | null; users: number }> = {};
    for (const [version, latencies] of byVersion) {
        const onlyHere = [...usersOn.values()].filter((s) => s.size === 1 && s.has(version)).length;
        perVersion[version] = { answers: latencies.length, rps: latencies.length / (windowMs / 1000), p95Ms: percentile([...latencies].sort((a, b) => a - b), 95), users: onlyHere };
    }
    return { perVersion, answered: inWindow.length - failed, failed };
}

/** The rows from the configured releases, the live workloads, and the traffic's figures (probe or Prometheus). */
export function versionRows(
    expected: Expectations,
    live: LiveWorkload[] | undefined,
    traffic: { kind: "probe"; figures: ReturnType<typeof probeFigures>; users: number } | { kind: "prometheus"; health: VersionHealth[]; windowS: number },
): VersionRow[] {
    const answered = traffic.kind === "probe" ? traffic.figures.answered : traffic.health.reduce((a, h) => a + (h.requests ?? 0), 0);
    const usersSeen = traffic.kind === "probe" ? Object.values(traffic.figures.perVersion).reduce((a, v) => a + v.users, 0) : 0;
    return expected.releases.map((r) => {
        const w = live?.find((l) => l.version === r.version);
        const base = { version: r.version, color: r.color, role: r.role, configured: r.share, ...(w !== undefined ? { replicas: { running: w.running, desired: w.desired } } : {}) };
        if (traffic.kind === "probe") {
            const f = traffic.figures.perVersion[r.version];
            return {
                ...base,
                share: answered === 0 ? null : (100 * (f?.answers ?? 0)) / answered,
                rps: f?.rps ?? 0,
                errorRatio: null,
                p95Ms: f?.p95Ms ?? null,
                ...(traffic.users > 0 ? { users: usersSeen === 0 ? null : (100 * (f?.users ?? 0)) / usersSeen } : {}),
            };
        }
        const h = traffic.health.find((x) => x.version === r.version);
        return {
            ...base,
            share: answered === 0 ? null : (100 * (h?.requests ?? 0)) / answered,
            rps: h?.requests === null || h?.requests === undefined ? null : h.requests / traffic.windowS,
            errorRatio: h?.errorRatio ?? null,
            p95Ms: h?.p95LatencySeconds === null || h?.p95LatencySeconds === undefined ? null : h.p95LatencySeconds * 1000,
        };
    });
}

/** What changed from one frame to the next, as a student would say it. */
export function eventsBetween(prev: WatchFrame | undefined, next: WatchFrame): WatchEvent[] {
    if (prev === undefined) {
        return [];
    }
    const out: string[] = [];
    if (prev.routing !== next.routing) {
        const back = next.versions.every((v) => v.role === "stable" || v.configured === 0) && prev.versions.some((v) => v.role === "candidate" && v.configured > 0);
        out.push(`${back ? "rolled back" : "step applied"}: ${prev.routing} -> ${next.routing}${next.step !== null ? ` (${next.step})` : ""}`);
    }
    for (const v of next.versions) {
        const before = prev.versions.find((p) => p.version === v.version)?.replicas;
        const now = v.replicas;
        if (before === undefined || now === undefined) {
            continue;
        }
        if (before.desired !== now.desired) {
            out.push(`${v.version}: scaled ${before.desired} -> ${now.desired}`);
        } else if (now.running < before.running) {
            out.push(`${v.version}: ${before.running - now.running} of ${now.desired} not running (a pod or task replaced or lost)`);
        } else if (now.running > before.running) {
            out.push(`${v.version}: ${now.running}/${now.desired} running`);
        }
    }
    for (const p of next.problems.filter((p) => !prev.problems.includes(p))) {
        out.push(`cannot read: ${p}`);
    }
    return out.map((text) => ({ at: next.at, text }));
}

const fmt = (x: number | null | undefined, digits: number, unit = "") => (x === null || x === undefined ? "-" : `${x.toFixed(digits)}${unit}`);

/** The frame as one line: what `lab watch` prints each time when stdout is not a terminal. */
export function plainLine(frame: WatchFrame): string {
    const time = frame.at.toISOString().slice(11, 19);
    const versions = frame.versions
        .map(
            (v) =>
                `${v.version} ${fmt(v.share, 1, "%")} (set ${v.configured}%)${v.users !== undefined ? ` users ${fmt(v.users, 1, "%")}` : ""} ${fmt(v.rps, 1)} req/s` +
                ` err ${v.errorRatio === null ? "-" : fmt(v.errorRatio * 100, 1, "%")} p95 ${fmt(v.p95Ms, 0, " ms")}` +
                (v.replicas !== undefined ? ` ${v.replicas.running}/${v.replicas.desired}` : ""),
        )
        .join(" | ");
    const failures = frame.unattributedFailures ? ` | failed ${frame.unattributedFailures}` : "";
    const problems = frame.problems.length > 0 ? ` | cannot read: ${frame.problems.join("; ")}` : "";
    return `${time} ${frame.stack} ${frame.routing}${frame.step !== null ? ` [${frame.step}]` : ""} | ${versions}${failures}${problems}`;
}

/** A share as a bar `width` cells wide, with the configured share's cell marked: "█████│░░░░". */
export function shareBar(share: number | null, configured: number, width: number): string {
    const filled = share === null ? 0 : Math.round((Math.max(0, Math.min(100, share)) / 100) * width);
    const mark = Math.min(width - 1, Math.round((configured / 100) * width));
    return Array.from({ length: width }, (_, i) => (i === mark ? "│" : i < filled ? "█" : "░")).join("");
}
