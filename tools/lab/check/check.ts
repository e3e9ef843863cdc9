// `lab check`: is the live lab in the state its stack config (or a lesson's step) asks for? Pure: the
// expectations from the config, and each measurement judged into one line. checkLive.ts measures.
import { LabConfig } from "../../../components/config";
import { RoutingSummary, abRules, labPlan, sharesOf } from "../../../components/plan";
import type { UserFigures } from "../../probe/summary";
import { balancesPerConnection, routerOf } from "../../lib/stackFile";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckLine {
    check: string;
    status: CheckStatus;
    /** What was found, with its figures. */
    measured: string;
    /** What the config (or the lesson's step) asks for. */
    expected: string;
}

export interface ExpectedRelease {
    role: "stable" | "candidate";
    version: string;
    color: string;
    replicas: number;
    /** Percent of ordinary requests (no A/B rule matched) it answers. */
    share: number;
}

/** What the live lab must show, from the stack's config. */
export interface Expectations {
    platform: LabConfig["platform"];
    strategy: LabConfig["strategy"];
    releases: ExpectedRelease[];
    /** blue/green: the colour every answer carries. */
    activeColor?: string;
    header?: { name: string; value: string; regex: boolean };
    cookie?: string;
    /** shadow: percent of requests copied to the candidate. */
    mirrorPercent?: number;
    monitoring: boolean;
    /** The entry balances per connection (kube-proxy): sample with a new connection per request. */
    perConnection: boolean;
    /** What the lab did that the stack file does not say (a replica split's resized total). */
    note?: string;
    /** canary.sticky: every user stays on one version. */
    sticky?: true;
}

export function expectationsFrom(config: LabConfig): Expectations {
    const plan = labPlan(config, routerOf(config).splitsBy);
    const releases = sharesOf(plan).map(({ release, share }) => ({ role: release.role, version: release.version, color: release.color, replicas: release.replicas, share }));
    const { routing } = plan;
    const rules = routing.kind === "match" ? abRules(routing.matches) : {};
    return {
        platform: config.platform,
        strategy: config.strategy,
        releases,
        ...(routing.kind === "switch" ? { activeColor: releases.find((r) => r.role === routing.active)?.color } : {}),
        ...rules,
        ...(routing.kind === "mirror" ? { mirrorPercent: routing.percent } : {}),
        monitoring: config.monitoring.enabled,
        perConnection: balancesPerConnection(config),
        ...(plan.note !== undefined ? { note: plan.note } : {}),
        ...(routing.kind === "split" && routing.sticky === true ? { sticky: true as const } : {}),
    };
}

/**
 * canary.sticky, judged on simulated users (each with its own cookies and connection, several requests
 * each): none may see both versions, and each version's share of users is its weight within the same
 * binomial tolerance as the version mix's (the users, not the requests, being the draws).
 */
export function checkUsers(expected: Expectations, figures: UserFigures): CheckLine {
    const lines = expected.releases.map((r) => {
        const got = 100 * (figures.shares[r.version] ?? 0);
        const tol = tolerancePoints(r.share, figures.users);
        return { r, got, tol, ok: Math.abs(got - r.share) <= tol + 1e-9 };
    });
    return {
        check: "users",
        status: figures.users > 0 && figures.flipped === 0 && lines.every((l) => l.ok) ? "pass" : "fail",
        measured: `${figures.users} users: ${lines.map((l) => `${l.r.version} ${pct(l.got)}`).join(", ")}; ${figures.flipped} saw both versions`,
        expected: `none on two versions (canary.sticky); ${lines.map((l) => `${l.r.version} ${pct(l.r.share)}${l.tol > 0 ? ` ±${l.tol}` : ""}`).join(", ")} of users`,
    };
}


const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

/**
 * How far a measured share may be from the expected one, in percentage points: four standard
 * deviations of a binomial over `n` requests (at least 1 point), and none where the share is 0 or 100.
 * Four, not three: a random split (kube-proxy's) is outside three about once in 370 checks, and a
 * class runs many; the lessons' steps differ by far more than four (10% -> 50% -> 0%).
 */
export function tolerancePoints(expectedPercent: number, n: number): number {
    if (expectedPercent <= 0 || expectedPercent >= 100 || n <= 0) {
        return 0;
    }
    const p = expectedPercent / 100;
    return Math.max(1, Math.round(4000 * Math.sqrt((p * (1 - p)) / n)) / 10);
}

/** Answers to `n` requests sent to the entry point. */
export interface EntrySample {
    requests: number;
    /** Status 200 with a readable body. */
    answered: number;
    failures: Record<string, number>;
    versions: Record<string, number>;
    colors: Record<string, number>;
}

const counts = (m: Record<string, number>) =>
    Object.entries(m)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} ${n}`)
        .join(", ") || "none";

export function checkStep(step: number, title: string, current: Record<string, string | undefined>, wanted: Record<string, string>, stack: string): CheckLine {
    const wrong = Object.entries(wanted).filter(([k, v]) => current[k] !== v);
    const show = (m: Record<string, string | undefined>) =>
        Object.entries(m)
            .map(([k, v]) => `${k.replace(/^rollout-lab:/, "")}=${v ?? "(unset)"}`)
            .join(", ") || "nothing to set";
    return {
        check: "step config",
        status: wrong.length === 0 ? "pass" : "fail",
        measured: Object.keys(wanted).length === 0 ? "the stack file as it is" : show(Object.fromEntries(Object.keys(wanted).map((k) => [k, current[k]]))),
        expected:
            `step ${step} (${title}): ${show(wanted)}` +
            (wrong.length === 0 ? "" : `; set it: ${wrong.map(([k, v]) => `pulumi config set --path ${k.replace(/^rollout-lab:/, "")} ${v} -s ${stack}`).join(" && ")}`),
    };
}

const releaseText = (r: { version: string; replicas: number; share: number }) => `${r.version} x${r.replicas} ${pct(r.share)}`;

/** The deployed `routing` output against the config's plan: has `pulumi up` run since the last edit? */
export function checkApplied(expected: Expectations, deployed: RoutingSummary | undefined, stack: string): CheckLine {
    const want = expected.releases.map(releaseText).join(", ");
    if (deployed === undefined) {
        return { check: "deployed", status: "fail", measured: `no deployment: the stack has no routing output (run pulumi up -s ${stack})`, expected: `${expected.strategy}: ${want}` };
    }
    const got = deployed.workloads.map((w) => releaseText({ version: w.version, replicas: w.replicas, share: w.expectedShare })).join(", ");
    const same = deployed.strategy === expected.strategy && got === want;
    return {
        check: "deployed",
        status: same ? "pass" : "fail",
        measured: `${deployed.strategy}: ${got}${same ? "" : ` (not what is asked: once the config says it, run pulumi up -s ${stack})`}`,
        expected: `${expected.strategy}: ${want}`,
    };
}

export function checkEntry(url: string, sample: EntrySample): CheckLine {
    return {
        check: "entry",
        status: sample.requests > 0 && sample.answered === sample.requests ? "pass" : "fail",
        measured: `${sample.answered}/${sample.requests} answered at ${url}${sample.answered === sample.requests ? "" : `; failures: ${counts(sample.failures)}`}`,
        expected: "every request answered 200",
    };
}

/** Each version's share of the answers within tolerance of what the routing gives it. */
export function checkVersionMix(expected: Expectations, sample: EntrySample): CheckLine {
    const n = sample.answered;
    const known = new Set(expected.releases.map((r) => r.version));
    const strangers = Object.keys(sample.versions).filter((v) => !known.has(v));
    const lines = expected.releases.map((r) => {
        const got = n === 0 ? 0 : (100 * (sample.versions[r.version] ?? 0)) / n;
        const tol = tolerancePoints(r.share, n);
        return { r, got, tol, ok: n > 0 && Math.abs(got - r.share) <= tol + 1e-9 };
    });
    return {
        check: "version mix",
        status: n > 0 && strangers.length === 0 && lines.every((l) => l.ok) ? "pass" : "fail",
        measured:
            `${lines.map((l) => `${l.r.version} ${pct(l.got)}`).join(", ")} of ${n} answers` +
            (strangers.length > 0 ? `; unexpected versions: ${strangers.join(", ")}` : ""),
        expected: lines.map((l) => `${l.r.version} ${pct(l.r.share)}${l.tol > 0 ? ` ±${l.tol}` : ""}`).join(", "),
    };
}

export function checkColour(activeColor: string, sample: EntrySample): CheckLine {
    const live = sample.colors[activeColor] ?? 0;
    return {
        check: "live colour",
        status: sample.answered > 0 && live === sample.answered ? "pass" : "fail",
        measured: `${counts(sample.colors)} of ${sample.answered} answers`,
        expected: `${activeColor} on every answer`,
    };
}

/** Requests that carry the A/B rule's header or cookie: every one answered by the candidate. */
export function checkMatched(what: "header rule" | "cookie rule", sent: string, candidateVersion: string, sample: EntrySample): CheckLine {
    const got = sample.versions[candidateVersion] ?? 0;
    return {
        check: what,
        status: sample.requests > 0 && got === sample.requests ? "pass" : "fail",
        measured: `with ${sent}: ${counts(sample.versions)}${sample.answered < sample.requests ? `; failures: ${counts(sample.failures)}` : ""} of ${sample.requests}`,
        expected: `${candidateVersion} on all ${sample.requests}`,
    };
}

/** shadow: the candidate's own request counter grew by `copies` while `sent` requests went to the entry. */
export function checkMirror(percent: number, copies: number, sent: number): CheckLine {
    const got = sent === 0 ? 0 : (100 * copies) / sent;
    // A copy can be lost on its way (NGINX drops a mirror subrequest that fails): tolerate 1 point at 100%.
    const tol = percent >= 100 ? 1 : tolerancePoints(percent, sent);
    return {
        check: "mirror share",
        status: sent > 0 && Math.abs(got - percent) <= tol + 1e-9 ? "pass" : "fail",
        measured: `${copies} copies of ${sent} requests (${pct(got)}) reached the candidate`,
        expected: `${percent}%${tol > 0 ? ` ±${tol}` : ""}`,
    };
}

export interface LiveWorkload {
    name: string;
    version: string;
    desired: number;
    running: number;
}

/** Every release's running copies equal what the plan gives it. */
export function checkReplicas(expected: Expectations, live: LiveWorkload[], unit: "tasks" | "pods"): CheckLine {
    const byVersion = (v: string) => live.find((w) => w.version === v);
    const parts = expected.releases.map((r) => {
        const w = byVersion(r.version);
        return { r, w, ok: w !== undefined && w.desired === r.replicas && w.running === r.replicas };
    });
    return {
        check: unit,
        status: parts.every((p) => p.ok) ? "pass" : "fail",
        measured: parts.map((p) => (p.w === undefined ? `${p.r.version}: no workload` : `${p.w.name} (${p.r.version}) ${p.w.running}/${p.w.desired} running`)).join(", "),
        expected: parts.map((p) => `${p.r.version} ${p.r.replicas}`).join(", ") + (expected.note !== undefined ? ` (${expected.note})` : ""),
    };
}

export interface ScrapeTarget {
    job: string;
    instance: string;
    health: string;
}

export function checkTargets(targets: ScrapeTarget[]): CheckLine {
    const down = targets.filter((t) => t.health !== "up");
    return {
        check: "monitoring",
        status: targets.length > 0 && down.length === 0 ? "pass" : "fail",
        measured:
            `${targets.length - down.length}/${targets.length} Prometheus targets up` +
            (down.length > 0 ? `; down: ${down.map((t) => `${t.job} ${t.instance} (${t.health})`).join(", ")}` : ""),
        expected: "every target up",
    };
}

export function skipped(check: string, why: string, expected = "-"): CheckLine {
    return { check, status: "skip", measured: why, expected };
}

export function formatLine(line: CheckLine): string {
    return `${line.status.toUpperCase().padEnd(4)}  ${line.check.padEnd(12)}  ${line.measured}  [expected: ${line.expected}]`;
}

/** 0 when no check failed (skips do not fail, and are printed as skips), 1 otherwise. */
export function exitCodeOf(lines: CheckLine[]): number {
    return lines.some((l) => l.status === "fail") ? 1 : 0;
}
