// `lab compare`: each strategy's stack brought up on v1, probed at a fixed rate, changed to v2 the way that
// strategy does (stepPlan.comparisonPlan), probed until settled, then measured: the probe's failures and
// version mix, and Prometheus's tasks, CPU and memory by version (cAdvisor), priced by measure.pricing.
// The figures are computed from plain data (figuresFor), so they are unit-tested without an engine.
import { LabConfig, Platform } from "../../../components/config";
import { MonitoringPlatform, containerCpuByVersionExpr, containerMemoryByVersionExpr, replicasExpr } from "../../../monitoring";
import { Point, Pricing, ResourceCost, peak, replicaFigures, resourceCost, sumSeries } from "./cost";
import { PrometheusClient, Series, windowOf } from "../../lib/prometheus";
import { ComparisonPlan, ConfigChange } from "../../../components/plan";
import { balancesPerConnection, routerOf } from "../../lib/stackFile";
import { Probe } from "../../probe/probe";
import { ProbeRecord, ProbeSummary, TimelineBucket, UserFigures, summarize, timeline, userFigures } from "../../probe/summary";

/** A stretch of the run between two changes: before the first, then from each change's `up` returning to the next change. */
export interface StepWindow {
    label: string;
    fromS: number;
    toS: number;
}

/** With simulated users (`--users`): per step, the share of users on each version and the users who saw both. */
export interface StepUsers extends UserFigures {
    label: string;
}

/** Per-version series over the run, seconds since the probe started. */
export interface VersionSeries {
    replicas: Record<string, Point[]>;
    cpuCores: Record<string, Point[]>;
    memoryBytes: Record<string, Point[]>;
}

export interface StrategyResult {
    stack: string;
    strategy: string;
    platform: string;
    traffic: string;
    stableVersion: string;
    candidateVersion: string;
    ratePerSecond: number;
    /** When the first change was made, and when the probe saw it settled (null: never within the time). */
    changeAtS: number;
    settledAtS: number | null;
    probe: ProbeSummary;
    timeline: TimelineBucket[];
    /** The stable release's own copies: what the service needs; anything above is the strategy's extra. */
    baselineReplicas: number;
    peakReplicas: number | null;
    extraReplicaSeconds: number;
    peakCpuCores: number | null;
    peakMemoryBytes: number | null;
    cost: ResourceCost;
    series: VersionSeries;
    steps?: StepWindow[];
    /** Simulated users' figures per step; absent when the probe sent no user's requests. */
    users?: { count: number; steps: StepUsers[] };
}

/** Each step's users, over the requests sent within it; undefined when no request was a user's. */
export function usersPerStep(records: readonly ProbeRecord[], steps: StepWindow[]): { count: number; steps: StepUsers[] } | undefined {
    const users = new Set(records.filter((r) => r.user !== undefined).map((r) => r.user));
    if (users.size === 0) {
        return undefined;
    }
    return { count: users.size, steps: steps.map((w) => ({ label: w.label, ...userFigures(records, w.fromS * 1000, w.toS * 1000) })) };
}

/** Copies the stable release runs on its own: the service's need, not the strategy's. */
export function baselineReplicas(config: LabConfig): number {
    return config.strategy === "canary" && routerOf(config).splitsBy === "replicas" ? config.canary.totalReplicas : config.stable.replicas;
}

/** Figures of one strategy's run, from the probe's records and the per-version series. */
export function figuresFor(
    run: Omit<StrategyResult, "probe" | "timeline" | "peakReplicas" | "extraReplicaSeconds" | "peakCpuCores" | "peakMemoryBytes" | "cost" | "users">,
    records: readonly ProbeRecord[],
    pricing: Pricing,
): StrategyResult {
    const probe = summarize([...records], {
        url: "",
        ratePerSecond: run.ratePerSecond,
        durationS: Math.ceil(Math.max(0, ...records.map((r) => r.sentAtMs)) / 1000),
        markedAtMs: run.changeAtS * 1000,
        oldVersion: run.stableVersion,
    });
    const totalReplicas = sumSeries(Object.values(run.series.replicas));
    const cpu = sumSeries(Object.values(run.series.cpuCores));
    const memory = sumSeries(Object.values(run.series.memoryBytes));
    const replicas = replicaFigures(totalReplicas, run.baselineReplicas);
    const users = usersPerStep(records, run.steps ?? []);
    return {
        ...run,
        probe,
        timeline: timeline(records),
        peakReplicas: replicas.peak,
        extraReplicaSeconds: replicas.extraReplicaSeconds,
        peakCpuCores: peak(cpu),
        peakMemoryBytes: peak(memory),
        cost: resourceCost(cpu, memory, pricing),
        ...(users !== undefined ? { users } : {}),
    };
}

/**
 * Settled: over the last `windowS` seconds of finished requests, none failed and v2's share of the
 * answers is within `tolerance` of what the strategy ends at (1 for a full switch, the A/B group's share,
 * 0 for shadow). Returns when that became true, in seconds since the probe started, or null.
 */
export function settledAt(records: readonly ProbeRecord[], candidateVersion: string, expectedShare: number, sinceS: number, nowS: number, windowS = 5, tolerance = 0.1): number | null {
    const from = nowS - windowS;
    if (from < sinceS) {
        return null;
    }
    const recent = records.filter((r) => r.sentAtMs / 1000 >= from && r.sentAtMs / 1000 < nowS);
    if (recent.length === 0 || recent.some((r) => r.error !== undefined)) {
        return null;
    }
    const share = recent.filter((r) => r.version === candidateVersion).length / recent.length;
    return Math.abs(share - expectedShare) <= tolerance ? from : null;
}

/** What `lab compare` needs from the engine: the Automation API in the CLI, anything in a test. */
export interface StackDriver {
    /** Sets the config and runs `pulumi up`; returns the stack's outputs. */
    up(change: ConfigChange, label: string): Promise<Record<string, unknown>>;
    destroy(): Promise<void>;
}

export interface CompareRunOptions {
    stack: string;
    config: LabConfig;
    plan: ComparisonPlan;
    driver: StackDriver;
    ratePerSecond: number;
    /** Probing before the change (the v1 baseline) and at most this long after the last change. */
    preChangeS: number;
    maxSettleS: number;
    /** How long v2's share must hold, with no failure, to count as settled. */
    settleWindowS: number;
    pricing: Pricing;
    /** Overrides of the stack outputs (entry URL, Prometheus URL). */
    entryUrl?: string;
    prometheusUrl?: string;
    log: (line: string) => void;
    keep?: boolean;
    /** Simulate this many users (each its own cookies and connection) and report them per step. */
    users?: number;
    /** Seconds each change is held before the next (0: back to back), so each step has users to count. */
    holdS?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outputUrl(outputs: Record<string, unknown>, key: string, override?: string): string {
    const v = override ?? outputs[key];
    if (typeof v !== "string" || !/^https?:\/\//.test(v)) {
        throw new Error(`stack output ${key}: got ${JSON.stringify(v)}; allowed: an http URL (monitoring on, or pass --${key === "entryUrl" ? "url" : "prometheus"})`);
    }
    return v;
}

/** Per-version series of a range query, as seconds since `origin`. */
function byVersion(series: Series[]): Record<string, Point[]> {
    return Object.fromEntries(series.map((s) => [s.metric.version ?? "unknown", s.points]));
}

/** One strategy: up on v1, probe, change, probe until settled, measure, tear down. */
export async function compareOne(o: CompareRunOptions): Promise<StrategyResult> {
    const { config, plan, driver, log } = o;
    log(`${o.stack}: up on ${config.stable.version} (${Object.entries(plan.before).map(([k, v]) => `${k}=${v}`).join(", ")})`);
    const outputs = await driver.up(plan.before, "before");
    const entryUrl = outputUrl(outputs, "entryUrl", o.entryUrl);
    const prom = new PrometheusClient(outputUrl(outputs, "prometheusUrl", o.prometheusUrl));
    const totalS = o.preChangeS + plan.changes.length * 120 + o.maxSettleS;
    const probe = new Probe({
        url: entryUrl,
        ratePerSecond: o.ratePerSecond,
        durationS: Math.min(3600, totalS),
        timeoutMs: 2000,
        maxInFlight: 256,
        headers: plan.probeHeaders?.headers,
        headerShare: plan.probeHeaders?.share,
        newConnections: balancesPerConnection(config),
        ...(o.users !== undefined ? { users: o.users } : {}),
    });
    const startedAt = Date.now() / 1000;
    const running = probe.run();
    let settled: number | null = null;
    let changeAtS = 0;
    const steps: StepWindow[] = [];
    try {
        await sleep(o.preChangeS * 1000);
        changeAtS = probe.elapsedMs() / 1000;
        steps.push({ label: "before", fromS: 0, toS: changeAtS });
        probe.mark();
        for (const [i, c] of plan.changes.entries()) {
            log(`${o.stack}: change ${i + 1}/${plan.changes.length}: ${c.label}`);
            if (i > 0) {
                steps[steps.length - 1].toS = probe.elapsedMs() / 1000;
            }
            await driver.up(c.change, c.label);
            steps.push({ label: c.label, fromS: probe.elapsedMs() / 1000, toS: Infinity });
            if (i < plan.changes.length - 1 && (o.holdS ?? 0) > 0) {
                await sleep(o.holdS! * 1000);
            }
        }
        const lastChangeS = probe.elapsedMs() / 1000;
        while (probe.elapsedMs() / 1000 < lastChangeS + o.maxSettleS) {
            await sleep(1000);
            // Requests of the last 2 s may still be in flight: judge up to then.
            const nowS = probe.elapsedMs() / 1000 - 2;
            settled = settledAt(probe.snapshot(), config.candidate.version, plan.settledCandidateShare, lastChangeS, nowS, o.settleWindowS);
            if (settled !== null) {
                log(`${o.stack}: settled at ${settled.toFixed(1)} s`);
                break;
            }
        }
        if (settled === null) {
            log(`${o.stack}: not settled ${o.maxSettleS} s after the last change; measuring anyway`);
        }
        await sleep(o.settleWindowS * 1000);
    } finally {
        probe.stop();
        await running;
    }
    const last = steps[steps.length - 1];
    if (last !== undefined && last.toS === Infinity) {
        last.toS = probe.elapsedMs() / 1000;
    }
    const endedAt = Date.now() / 1000;
    // Prometheus needs a scrape or two to have the last seconds.
    await sleep(3000);
    const platform: MonitoringPlatform = config.platform === "swarm" ? "swarm" : "kubernetes";
    const step = 1;
    const rateWindow = windowOf(Math.max(10, step * 4));
    const [replicas, cpu, memory] = await Promise.all([
        prom.range(replicasExpr(), startedAt, endedAt, step, startedAt),
        prom.range(containerCpuByVersionExpr(platform, config.namespace, rateWindow), startedAt, endedAt, step, startedAt),
        prom.range(containerMemoryByVersionExpr(platform, config.namespace), startedAt, endedAt, step, startedAt),
    ]);
    if (!o.keep) {
        log(`${o.stack}: destroy`);
        await driver.destroy();
    }
    return figuresFor(
        {
            stack: o.stack,
            strategy: config.strategy,
            platform: config.platform,
            traffic: config.traffic,
            stableVersion: config.stable.version,
            candidateVersion: config.candidate.version,
            ratePerSecond: o.ratePerSecond,
            changeAtS,
            settledAtS: settled,
            baselineReplicas: baselineReplicas(config),
            series: { replicas: byVersion(replicas), cpuCores: byVersion(cpu), memoryBytes: byVersion(memory) },
            steps,
        },
        probe.snapshot(),
        o.pricing,
    );
}

/** The stacks `lab compare` runs for a platform: one per strategy, the plainest provider first. */
export function comparisonStacks(platform: Platform, stacks: string[]): string[] {
    const prefix = `${platform === "kubernetes" ? "kind" : platform}-`;
    const order = ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"];
    const providers = ["", "-nginx", "-haproxy", "-linkerd", "-istio"];
    const rank = (stack: string, strategy: string) => {
        const i = providers.indexOf(stack.slice(`${prefix}${strategy}`.length));
        return i < 0 ? providers.length : i;
    };
    const picked: string[] = [];
    for (const strategy of order) {
        const candidates = stacks.filter((s) => s === `${prefix}${strategy}` || s.startsWith(`${prefix}${strategy}-`)).sort((a, b) => rank(a, strategy) - rank(b, strategy));
        if (candidates.length > 0) {
            picked.push(candidates[0]);
        }
    }
    return picked;
}
