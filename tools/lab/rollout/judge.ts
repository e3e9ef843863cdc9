// How `lab rollout` judges a step (measure.judge): against fixed thresholds, or by comparing the
// candidate with stable over the same window (a one-sided Mann-Whitney U test per metric). Either is a
// function of the step's window so far and whether its time is up, so the loop does not know which.
import { Thresholds, Verdict, VersionHealth, decide } from "./decision";
import { MannWhitney, mannWhitneyGreater } from "./mannWhitney";
import type { VersionSamples } from "../../lib/prometheus";

export interface Judgement {
    verdict: Verdict;
    /** The candidate's figures over the window, for the progress line. */
    health: VersionHealth;
}

/** Judges the candidate over the last `windowS` seconds of its step; `final` once the step's time is up. */
export type Judge = (windowS: number, final: boolean) => Promise<Judgement>;

/** measure.judge "threshold": the candidate alerts' thresholds, a breach rolling back at once. */
export function thresholdJudge(health: (windowS: number) => Promise<VersionHealth>, thresholds: Thresholds): Judge {
    return async (windowS, final) => {
        const h = await health(windowS);
        return { verdict: decide(h, thresholds, final), health: h };
    };
}

/** measure.comparison. */
export interface StatisticalSettings {
    alpha: number;
    minSamples: number;
    minEffect: number;
    /** A fraction of stable's latency the candidate may add. */
    latencyTolerance: number;
    /** A share the candidate's error ratio may add to stable's. */
    errorRatioTolerance: number;
}

/** Both versions' samples over the same window. */
export interface SamplePair {
    candidate: { version: string; samples: VersionSamples };
    stable: { version: string; samples: VersionSamples };
}

const metrics = [
    {
        key: "errorRatio",
        name: "error ratio",
        show: (x: number) => `${(100 * x).toFixed(2)}%`,
        // Stable's samples with the tolerance added: the test asks whether the candidate is worse by more than it.
        allowed: (stable: number, s: StatisticalSettings) => stable + s.errorRatioTolerance,
        tolerance: (s: StatisticalSettings) => `+${(100 * s.errorRatioTolerance).toFixed(1)} points, measure.comparison.errorRatioTolerance`,
    },
    {
        key: "meanLatencySeconds",
        name: "mean latency",
        show: (x: number) => `${(1000 * x).toFixed(1)} ms`,
        allowed: (stable: number, s: StatisticalSettings) => stable * (1 + s.latencyTolerance),
        tolerance: (s: StatisticalSettings) => `+${Math.round(100 * s.latencyTolerance)}%, measure.comparison.latencyTolerance`,
    },
] as const;

function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const p = (x: number) => (x < 0.0001 ? x.toExponential(1) : x.toFixed(4));

/** The test's figures in words: samples, U, p, effect and both medians. */
export function describeTest(t: MannWhitney, pair: SamplePair, metric: (typeof metrics)[number]): string {
    const c = pair.candidate.samples[metric.key];
    const s = pair.stable.samples[metric.key];
    return (
        `${metric.name} of ${pair.candidate.version} against ${pair.stable.version}: U ${t.u} of ${t.n1 * t.n2} pairs (effect ${t.effect.toFixed(2)}), ` +
        `p ${p(t.pValue)} over ${t.n1} + ${t.n2} samples (medians ${metric.show(median(c))}, ${metric.show(median(s))})`
    );
}

/**
 * The rule of measure.judge "mann-whitney", pure:
 * - wait until the step's time is up: testing at every poll would raise the chance of a false alarm with
 *   each look; the whole window is judged once;
 * - fewer than minSamples samples of either version by then: roll back (nothing shows it is healthy);
 * - roll back where, for the error ratio or the mean latency, the candidate is higher than stable plus
 *   its tolerance (latencyTolerance of stable's latency, errorRatioTolerance points of error ratio) with
 *   p < alpha and an effect of at least minEffect (higher in that share of the pairs): a difference
 *   unlikely by chance, large in most intervals, and beyond what the stack calls the same;
 * - promote otherwise, the figures said either way.
 */
export function decideByComparison(pair: SamplePair, settings: StatisticalSettings, final: boolean): Verdict {
    if (!final) {
        return { action: "wait", reasons: ["the candidate is compared with stable once the step's time is up (measure.judge mann-whitney)"] };
    }
    const few = [pair.candidate, pair.stable].filter((v) => Math.min(v.samples.errorRatio.length, v.samples.meanLatencySeconds.length) < settings.minSamples);
    if (few.length > 0) {
        const counts = few.map((v) => `${v.version} ${Math.min(v.samples.errorRatio.length, v.samples.meanLatencySeconds.length)}`).join(", ");
        return { action: "rollback", reasons: [`too few samples to compare (${counts}); at least ${settings.minSamples} per version needed (measure.comparison.minSamples): nothing shows the candidate is healthy`] };
    }
    const worse: string[] = [];
    const same: string[] = [];
    for (const metric of metrics) {
        const allowed = pair.stable.samples[metric.key].map((x) => metric.allowed(x, settings));
        const t = mannWhitneyGreater(pair.candidate.samples[metric.key], allowed);
        const text = `${describeTest(t, pair, metric)}, stable's ${metric.tolerance(settings)}`;
        if (t.pValue < settings.alpha && t.effect >= settings.minEffect) {
            worse.push(`${text}: worse (p < ${settings.alpha}, measure.comparison.alpha; effect >= ${settings.minEffect}, measure.comparison.minEffect)`);
        } else {
            same.push(text);
        }
    }
    return worse.length > 0 ? { action: "rollback", reasons: worse } : { action: "promote", reasons: same };
}

/** measure.judge "mann-whitney": the samples from `read`, the candidate's health for the progress line. */
export function mannWhitneyJudge(read: (windowS: number) => Promise<SamplePair>, health: (windowS: number) => Promise<VersionHealth>, settings: StatisticalSettings): Judge {
    return async (windowS, final) => {
        const [h, pair] = await Promise.all([health(windowS), final ? read(windowS) : Promise.resolve(undefined)]);
        return { verdict: pair === undefined ? decideByComparison({ candidate: { version: h.version, samples: none }, stable: { version: "", samples: none } }, settings, false) : decideByComparison(pair, settings, true), health: h };
    };
}

const none: VersionSamples = { errorRatio: [], meanLatencySeconds: [] };
