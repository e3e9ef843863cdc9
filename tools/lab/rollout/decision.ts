// The decision `lab rollout` takes after each step: promote, roll back, or wait for more data. The
// thresholds are the candidate alerts' (monitoring.alerts), so the tool and Prometheus's alerts agree.
import { LabConfig } from "../../../components/config";
import type { VersionHealth } from "../../lib/prometheus";

export type { VersionHealth };

export interface Thresholds {
    /** monitoring.alerts.errorRatio: above this share of 5xx the candidate fails. */
    errorRatio: number;
    /** monitoring.alerts.p95LatencySeconds: above this p95 the candidate fails. */
    p95LatencySeconds: number;
    /** measure.minRequests: fewer candidate requests than this is too little to promote on. */
    minRequests: number;
}

/** A stack's thresholds: its candidate alerts' and measure.minRequests (or the given minimum). */
export function thresholdsFor(config: LabConfig, minRequests = config.measure.minRequests): Thresholds {
    return { errorRatio: config.monitoring.alerts.errorRatio, p95LatencySeconds: config.monitoring.alerts.p95LatencySeconds, minRequests };
}

export type Action = "promote" | "rollback" | "wait";

export interface Verdict {
    action: Action;
    /** Why, in words a lesson can show: the figure, the threshold and the config key it comes from. */
    reasons: string[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ms = (s: number) => `${Math.round(s * 1000)} ms`;

/**
 * The rule:
 * - roll back when the candidate's error ratio or p95 latency is above its threshold, as soon as at
 *   least `minRequests` requests show it (a breach is never waited out);
 * - wait while fewer than `minRequests` reached the candidate (`final`: the step's time is up, and too
 *   little traffic is itself a reason to roll back: nothing shows the candidate is healthy);
 * - promote otherwise.
 * A missing p95 with enough requests cannot happen with the demo app's histogram; it is treated as a
 * failure to measure (roll back), not as a pass.
 */
export function decide(candidate: VersionHealth, thresholds: Thresholds, final: boolean): Verdict {
    const requests = candidate.requests ?? 0;
    if (requests < thresholds.minRequests) {
        const why = `only ${Math.round(requests)} requests reached ${candidate.version} in the window; at least ${thresholds.minRequests} needed (measure.minRequests)`;
        return final ? { action: "rollback", reasons: [`${why}: nothing shows it is healthy`] } : { action: "wait", reasons: [why] };
    }
    const breaches: string[] = [];
    const passes: string[] = [];
    if (candidate.errorRatio === null) {
        breaches.push(`no error ratio could be read for ${candidate.version}`);
    } else if (candidate.errorRatio > thresholds.errorRatio) {
        breaches.push(`error ratio of ${candidate.version} is ${pct(candidate.errorRatio)}, above ${pct(thresholds.errorRatio)} (monitoring.alerts.errorRatio)`);
    } else {
        passes.push(`error ratio ${pct(candidate.errorRatio)} <= ${pct(thresholds.errorRatio)}`);
    }
    if (candidate.p95LatencySeconds === null) {
        breaches.push(`no p95 latency could be read for ${candidate.version}`);
    } else if (candidate.p95LatencySeconds > thresholds.p95LatencySeconds) {
        breaches.push(
            `p95 latency of ${candidate.version} is ${ms(candidate.p95LatencySeconds)}, above ${ms(thresholds.p95LatencySeconds)} (monitoring.alerts.p95LatencySeconds)`,
        );
    } else {
        passes.push(`p95 ${ms(candidate.p95LatencySeconds)} <= ${ms(thresholds.p95LatencySeconds)}`);
    }
    if (breaches.length > 0) {
        return { action: "rollback", reasons: breaches };
    }
    return final
        ? { action: "promote", reasons: [`${candidate.version} over ${Math.round(requests)} requests: ${passes.join(", ")}`] }
        : { action: "wait", reasons: [`healthy so far (${passes.join(", ")}); the step's time is not up`] };
}
