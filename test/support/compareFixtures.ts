// Synthetic comparison results for the report's tests (tools/lab/compare/compare.test.ts) and its check in
// a real browser (test/browser/report.test.ts): a recreate with a 4 s gap, a blue/green that loses nothing.
import { StrategyResult, figuresFor, settledAt } from "../../tools/lab/compare/compare";
import { Point } from "../../tools/lab/compare/cost";
import { ProbeRecord } from "../../tools/probe/summary";

export const pricing = { cpuHour: 0.04, gbHour: 0.005, currency: "USD" };
export const MiB = 1024 ** 2;

/** 10 requests/s for `seconds`; `answer(t)` says who answered the request sent at t seconds. */
export function records(seconds: number, answer: (t: number) => string): ProbeRecord[] {
    const out: ProbeRecord[] = [];
    for (let i = 0; i < seconds * 10; i++) {
        const t = i / 10;
        const a = answer(t);
        out.push(a.startsWith("v") ? { sentAtMs: t * 1000, latencyMs: 3, version: a } : { sentAtMs: t * 1000, latencyMs: 1, error: a });
    }
    return out;
}

export const series = (seconds: number, f: (t: number) => number): Point[] => Array.from({ length: seconds + 1 }, (_, t) => ({ t, value: f(t) }));

export function run(strategy: string, recs: ProbeRecord[], replicas: Record<string, Point[]>, cpu: Record<string, Point[]>, memory: Record<string, Point[]>): StrategyResult {
    return figuresFor(
        {
            stack: `swarm-${strategy}`,
            strategy,
            platform: "swarm",
            traffic: "haproxy",
            stableVersion: "v1",
            candidateVersion: "v2",
            ratePerSecond: 10,
            changeAtS: 10,
            settledAtS: settledAt(recs, "v2", 1, 10, 30, 5),
            baselineReplicas: 3,
            series: { replicas, cpuCores: cpu, memoryBytes: memory },
        },
        recs,
        pricing,
    );
}

// recreate: v1 until 10 s, nothing answers from 10 to 14 s (503s), v2 after; never more than 3 tasks.
export const recreate = run(
    "recreate",
    records(30, (t) => (t < 10 ? "v1" : t < 14 ? "http-503" : "v2")),
    { v1: series(30, (t) => (t < 10 ? 3 : 0)), v2: series(30, (t) => (t >= 14 ? 3 : 0)) },
    { v1: series(30, (t) => (t < 10 ? 0.03 : 0)), v2: series(30, (t) => (t >= 14 ? 0.03 : 0)) },
    { v1: series(30, (t) => (t < 10 ? 120 * MiB : 0)), v2: series(30, (t) => (t >= 14 ? 120 * MiB : 0)) },
);
// blue/green: both colours run all along (6 tasks), the switch at 10 s is instant and loses nothing.
export const bluegreen = run(
    "bluegreen",
    records(30, (t) => (t < 10 ? "v1" : "v2")),
    { v1: series(30, () => 3), v2: series(30, () => 3) },
    { v1: series(30, () => 0.03), v2: series(30, () => 0.03) },
    { v1: series(30, () => 120 * MiB), v2: series(30, () => 120 * MiB) },
);
