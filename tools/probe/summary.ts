// Turning a probe's per-request records into the figures a lesson or a comparison reads.

/** One request the probe sent. */
export interface ProbeRecord {
    /** ms since the probe started, when the request was sent. */
    sentAtMs: number;
    /** ms until the answer (or the failure). */
    latencyMs: number;
    /** The version that answered, for a 200. */
    version?: string;
    /** Why it failed: http-<status>, timeout, refused, reset, overload (the probe's own in-flight cap), other. */
    error?: string;
    /** The simulated user who sent it (0..users-1), when the probe simulates users. */
    user?: number;
}

/** What the simulated users saw: the share of users on each version, and how many saw more than one. */
export interface UserFigures {
    /** Users with at least one answer in the window. */
    users: number;
    /** Per version, the share of users (0..1) who saw only it. */
    shares: Record<string, number>;
    /** Users who saw more than one version in the window. */
    flipped: number;
    /** flipped / users: 0 when every user stayed on one version. */
    flipRate: number;
}

/** The users' figures over the requests sent from `fromMs` (inclusive) to `toMs` (exclusive): one step's window. */
export function userFigures(records: readonly ProbeRecord[], fromMs = 0, toMs = Infinity): UserFigures {
    const seen = new Map<number, Set<string>>();
    for (const r of records) {
        if (r.user !== undefined && r.version !== undefined && r.sentAtMs >= fromMs && r.sentAtMs < toMs) {
            (seen.get(r.user) ?? seen.set(r.user, new Set()).get(r.user)!).add(r.version);
        }
    }
    const only: Record<string, number> = {};
    let flipped = 0;
    for (const versions of seen.values()) {
        if (versions.size > 1) {
            flipped++;
        } else {
            const [v] = versions;
            only[v] = (only[v] ?? 0) + 1;
        }
    }
    const users = seen.size;
    const shares = Object.fromEntries(Object.entries(only).sort().map(([v, n]) => [v, round(n / users, 4)]));
    return { users, shares, flipped, flipRate: users === 0 ? 0 : round(flipped / users, 4) };
}

export interface ProbeSummary {
    url: string;
    ratePerSecond: number;
    durationS: number;
    requests: number;
    ok: number;
    failed: number;
    failures: Record<string, number>;
    /** From the first failed request to the last, or null when none failed. */
    errorWindow: { firstS: number; lastS: number; durationS: number } | null;
    versions: Record<string, { count: number; share: number }>;
    latencyMs: { p50: number; p95: number; p99: number; max: number };
    /** After a marked change: when the old version answered for the last time. */
    change: {
        markedAtS: number;
        oldVersion: string | null;
        lastOldVersionAtS: number | null;
        timeToLastOldS: number | null;
        firstNewVersionAtS: number | null;
    } | null;
    /** When the probe simulates users: what they saw over the whole run (userFigures for a step's window). */
    users?: UserFigures;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) {
        return 0;
    }
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}

/** The version answering most requests before `beforeMs`. */
function dominantVersion(records: ProbeRecord[], beforeMs: number): string | null {
    const counts = new Map<string, number>();
    for (const r of records) {
        if (r.sentAtMs < beforeMs && r.version !== undefined) {
            counts.set(r.version, (counts.get(r.version) ?? 0) + 1);
        }
    }
    let best: string | null = null;
    for (const [v, c] of counts) {
        if (best === null || c > (counts.get(best) ?? 0)) {
            best = v;
        }
    }
    return best;
}

export function summarize(
    records: ProbeRecord[],
    options: { url: string; ratePerSecond: number; durationS: number; markedAtMs?: number; oldVersion?: string },
): ProbeSummary {
    const ok = records.filter((r) => r.error === undefined);
    const failedRecords = records.filter((r) => r.error !== undefined);
    const failures: Record<string, number> = {};
    for (const r of failedRecords) {
        failures[r.error!] = (failures[r.error!] ?? 0) + 1;
    }
    const versions: ProbeSummary["versions"] = {};
    for (const r of ok) {
        const v = r.version ?? "unknown";
        versions[v] = { count: (versions[v]?.count ?? 0) + 1, share: 0 };
    }
    for (const v of Object.values(versions)) {
        v.share = round(v.count / Math.max(1, ok.length), 4);
    }
    const failTimes = failedRecords.map((r) => r.sentAtMs);
    const latencies = records.map((r) => r.latencyMs).sort((a, b) => a - b);

    let change: ProbeSummary["change"] = null;
    if (options.markedAtMs !== undefined) {
        const marked = options.markedAtMs;
        const oldVersion = options.oldVersion ?? dominantVersion(records, marked);
        const after = records.filter((r) => r.sentAtMs >= marked && r.version !== undefined);
        const lastOld = after.filter((r) => r.version === oldVersion).map((r) => r.sentAtMs + r.latencyMs);
        const firstNew = after.filter((r) => r.version !== oldVersion).map((r) => r.sentAtMs + r.latencyMs);
        const lastOldMs = lastOld.length > 0 ? Math.max(...lastOld) : null;
        change = {
            markedAtS: round(marked / 1000),
            oldVersion,
            lastOldVersionAtS: lastOldMs === null ? null : round(lastOldMs / 1000),
            timeToLastOldS: lastOldMs === null ? null : round(Math.max(0, lastOldMs - marked) / 1000),
            firstNewVersionAtS: firstNew.length > 0 ? round(Math.min(...firstNew) / 1000) : null,
        };
    }

    return {
        url: options.url,
        ratePerSecond: options.ratePerSecond,
        durationS: options.durationS,
        requests: records.length,
        ok: ok.length,
        failed: failedRecords.length,
        failures,
        errorWindow:
            failTimes.length === 0
                ? null
                : {
                      firstS: round(Math.min(...failTimes) / 1000),
                      lastS: round(Math.max(...failTimes) / 1000),
                      durationS: round((Math.max(...failTimes) - Math.min(...failTimes)) / 1000),
                  },
        versions,
        latencyMs: {
            p50: round(percentile(latencies, 50), 1),
            p95: round(percentile(latencies, 95), 1),
            p99: round(percentile(latencies, 99), 1),
            max: round(latencies[latencies.length - 1] ?? 0, 1),
        },
        change,
        ...(records.some((r) => r.user !== undefined) ? { users: userFigures(records) } : {}),
    };
}

/** One live line per second: what was sent in that second and how it was answered. */
export function secondLine(second: number, records: ProbeRecord[]): string {
    const inSecond = records.filter((r) => Math.floor(r.sentAtMs / 1000) === second);
    const versions = new Map<string, number>();
    const errors = new Map<string, number>();
    for (const r of inSecond) {
        if (r.error === undefined) {
            versions.set(r.version ?? "unknown", (versions.get(r.version ?? "unknown") ?? 0) + 1);
        } else {
            errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
        }
    }
    const mix = [...versions].sort().map(([v, c]) => `${v} ${c}`).join("  ") || "-";
    const errs = [...errors].sort().map(([e, c]) => `${e} ${c}`).join("  ") || "none";
    return `${String(second + 1).padStart(4)}s  sent ${String(inSecond.length).padStart(4)}  ${mix}  errors: ${errs}`;
}

/** One bucket of a probe's timeline: answers by version and failures, for requests sent in it. */
export interface TimelineBucket {
    /** Start of the bucket, in seconds since the probe started. */
    t: number;
    versions: Record<string, number>;
    failed: number;
}

/** Requests per bucket of `bucketS` seconds, by the version that answered or as failed. */
export function timeline(records: readonly ProbeRecord[], bucketS = 1): TimelineBucket[] {
    const buckets: TimelineBucket[] = [];
    for (const r of records) {
        const i = Math.floor(r.sentAtMs / 1000 / bucketS);
        while (buckets.length <= i) {
            buckets.push({ t: buckets.length * bucketS, versions: {}, failed: 0 });
        }
        if (r.error === undefined) {
            const v = r.version ?? "unknown";
            buckets[i].versions[v] = (buckets[i].versions[v] ?? 0) + 1;
        } else {
            buckets[i].failed++;
        }
    }
    return buckets;
}
