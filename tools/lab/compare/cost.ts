// Resource figures and their price, from time series: peak and extra replicas, CPU and memory, and the
// cost of what the strategy used, at a price per CPU core-hour and per GB-hour of memory (measure.pricing).
import type { Point } from "../../lib/prometheus";

export type { Point };

export interface Pricing {
    cpuHour: number;
    gbHour: number;
    currency: string;
}

const GB = 1024 ** 3;

/** The area under a series (value x seconds), by trapezoids between its points; 0 for fewer than two. */
export function integrate(points: Point[]): number {
    const sorted = [...points].sort((a, b) => a.t - b.t);
    let area = 0;
    for (let i = 1; i < sorted.length; i++) {
        area += ((sorted[i].value + sorted[i - 1].value) / 2) * (sorted[i].t - sorted[i - 1].t);
    }
    return area;
}

export function peak(points: Point[]): number | null {
    return points.length === 0 ? null : Math.max(...points.map((p) => p.value));
}

/** Adds series point by point on their common timestamps (Prometheus range queries share their steps). */
export function sumSeries(series: Point[][]): Point[] {
    const byT = new Map<number, number>();
    for (const s of series) {
        for (const p of s) {
            byT.set(p.t, (byT.get(p.t) ?? 0) + p.value);
        }
    }
    return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ t, value }));
}

export interface ReplicaFigures {
    peak: number | null;
    /** Replica-seconds above `baseline` (what the strategy ran beyond the stable release's own copies). */
    extraReplicaSeconds: number;
}

/** Peak copies and the replica-seconds above the baseline (copies below it are not credited). */
export function replicaFigures(total: Point[], baseline: number): ReplicaFigures {
    const above = total.map((p) => ({ t: p.t, value: Math.max(0, p.value - baseline) }));
    return { peak: peak(total), extraReplicaSeconds: integrate(above) };
}

export interface ResourceCost {
    cpuCoreSeconds: number;
    memoryGbSeconds: number;
    cpuCost: number;
    memoryCost: number;
    total: number;
    currency: string;
}

/**
 * The price of a run's resources: CPU in cores over time (cAdvisor's rate of CPU seconds) and memory in
 * bytes over time (working set), each integrated and priced per hour.
 */
export function resourceCost(cpuCores: Point[], memoryBytes: Point[], pricing: Pricing): ResourceCost {
    for (const [name, v] of [["measure.pricing.cpuHour", pricing.cpuHour], ["measure.pricing.gbHour", pricing.gbHour]] as const) {
        if (!(Number.isFinite(v) && v >= 0)) {
            throw new Error(`${name}: got ${v}; allowed: a price of 0 or more`);
        }
    }
    const cpuCoreSeconds = integrate(cpuCores);
    const memoryGbSeconds = integrate(memoryBytes) / GB;
    const cpuCost = (cpuCoreSeconds / 3600) * pricing.cpuHour;
    const memoryCost = (memoryGbSeconds / 3600) * pricing.gbHour;
    return { cpuCoreSeconds, memoryGbSeconds, cpuCost, memoryCost, total: cpuCost + memoryCost, currency: pricing.currency };
}
