// Reading the lab's Prometheus over its HTTP API (instant and range queries), and the per-version health
// `lab rollout` judges: the candidate alerts' expressions (monitoring/alertRules.ts) over a step's window.
import { z } from "zod";
import { candidateAlerts, candidateQueries } from "../../monitoring";
import { errorRatioExpr, meanLatencyExpr } from "../../monitoring/promql";

/** One version's figures over a step's window, read from Prometheus. null: no series (no traffic). */
export interface VersionHealth {
    version: string;
    /** Requests answered in the window (every status code). */
    requests: number | null;
    /** Share of them answered 5xx, 0..1. */
    errorRatio: number | null;
    /** 95th percentile of the request duration, in seconds. */
    p95LatencySeconds: number | null;
}

/** One point of a series: seconds since the start of the run, and the value then. */
export interface Point {
    t: number;
    value: number;
}

const sampleValue = z.tuple([z.number(), z.string()]);
const responseSchema = z.discriminatedUnion("status", [
    z.object({
        status: z.literal("success"),
        data: z.discriminatedUnion("resultType", [
            z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue })) }),
            z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) })) }),
            z.object({ resultType: z.literal("scalar"), result: sampleValue }),
        ]),
    }),
    z.object({ status: z.literal("error"), errorType: z.string(), error: z.string() }),
]);

export interface Series {
    metric: Record<string, string>;
    points: Point[];
}

/** Prometheus writes NaN and ±Inf as strings; a ratio of no requests is NaN, which means "no figure". */
function toNumber(s: string): number | null {
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
}

export class PrometheusClient {
    constructor(
        readonly baseUrl: string,
        private readonly timeoutMs = 10000,
    ) {
        if (!/^https?:\/\//.test(baseUrl)) {
            throw new Error(`prometheus url: got "${baseUrl}"; allowed: an http:// or https:// URL such as http://127.0.0.1:9090`);
        }
    }

    private async get(path: string, params: Record<string, string>): Promise<z.infer<typeof responseSchema>> {
        const url = `${this.baseUrl.replace(/\/$/, "")}${path}?${new URLSearchParams(params).toString()}`;
        let res: Response;
        try {
            res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
        } catch (e) {
            throw new Error(`Prometheus at ${this.baseUrl} did not answer: ${(e as Error).message}`);
        }
        const parsed = responseSchema.safeParse(await res.json().catch(() => null));
        if (!parsed.success) {
            throw new Error(`Prometheus at ${this.baseUrl} answered ${res.status} with something that is not a query result`);
        }
        if (parsed.data.status === "error") {
            throw new Error(`Prometheus refused the query (${parsed.data.errorType}): ${parsed.data.error}\n  query: ${params.query}`);
        }
        return parsed.data;
    }

    /** An instant query: one value per series (null where Prometheus gives NaN). */
    async instant(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: number | null }[]> {
        const r = await this.get("/api/v1/query", { query: expr, ...(time === undefined ? {} : { time: String(time) }) });
        if (r.status !== "success" || r.data.resultType !== "vector") {
            throw new Error(`expected a vector from: ${expr}`);
        }
        return r.data.result.map((s) => ({ metric: s.metric, value: toNumber(s.value[1]) }));
    }

    /** A range query from `start` to `end` (Unix seconds); points are given as seconds since `origin`. */
    async range(expr: string, start: number, end: number, stepS: number, origin = start): Promise<Series[]> {
        const r = await this.get("/api/v1/query_range", { query: expr, start: String(start), end: String(end), step: String(stepS) });
        if (r.status !== "success" || r.data.resultType !== "matrix") {
            throw new Error(`expected a matrix from: ${expr}`);
        }
        return r.data.result.map((s) => ({
            metric: s.metric,
            points: s.values.flatMap(([t, v]) => {
                const value = toNumber(v);
                return value === null ? [] : [{ t: Math.round((t - origin) * 1000) / 1000, value }];
            }),
        }));
    }
}

/** Prometheus's range selector for a window in seconds (at least 1s). */
export function windowOf(seconds: number): string {
    return `${Math.max(1, Math.round(seconds))}s`;
}

/** One version's samples over a window: per interval, its error ratio and its mean latency (s). */
export interface VersionSamples {
    errorRatio: number[];
    meanLatencySeconds: number[];
}

/**
 * The samples a statistical judge compares: over the last `windowS` seconds, every `stepS` seconds, the
 * version's error ratio and mean latency over the last 2 x `stepS` (two scrapes at least, so a rate has
 * two points). Intervals without requests give no sample.
 */
export async function readVersionSamples(prom: PrometheusClient, version: string, windowS: number, stepS: number, now = Date.now() / 1000): Promise<VersionSamples> {
    const window = windowOf(2 * stepS);
    const values = async (expr: string) => (await prom.range(expr, now - windowS, now, stepS))[0]?.points.map((p) => p.value) ?? [];
    const [errorRatio, meanLatencySeconds] = await Promise.all([values(errorRatioExpr(window, version)), values(meanLatencyExpr(window, version))]);
    return { errorRatio, meanLatencySeconds };
}

/**
 * A version's figures over the last `windowS` seconds: the candidate alerts' error-ratio and p95
 * expressions (same thresholds' queries as the rules Prometheus evaluates) and its request count.
 */
export async function readVersionHealth(prom: PrometheusClient, version: string, windowS: number): Promise<VersionHealth> {
    const window = windowOf(windowS);
    // Thresholds do not matter here: only the alerts' measured expressions (`query`) are read.
    const [errorAlert, latencyAlert] = candidateAlerts({ candidateVersion: version, errorRatioThreshold: 1, p95LatencyThresholdSeconds: 1, forDuration: "0s", rateWindow: window });
    const requestsExpr = candidateQueries(version, { rateWindow: window }).requests.expr;
    const first = async (expr: string) => (await prom.instant(expr))[0]?.value ?? null;
    const [requests, errorRatio, p95LatencySeconds] = await Promise.all([first(requestsExpr), first(errorAlert.query), first(latencyAlert.query)]);
    return { version, requests, errorRatio, p95LatencySeconds };
}
