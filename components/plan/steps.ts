// What `lab rollout` and `lab compare` change in a stack's config, step by step, and how a failed step
// rolls back. Pure: the config in, the steps (each a set of `pulumi config set --path` values) out. The
// keys are the ones routing.ts reads, so a step means to every router what the stack file would.
import type { LabConfig } from "../config/schema";
import { Strategy, configNamespace } from "../vocabulary";

/** Stack config values to set, by Pulumi path key: { "rollout-lab:canary.weight": "25" }. */
export type ConfigChange = Record<string, string>;

export interface RolloutStep {
    /** 1-based. */
    index: number;
    /** Percent of requests the candidate gets once this step is up. */
    share: number;
    label: string;
    change: ConfigChange;
}

export interface RolloutPlan {
    strategy: "canary" | "bluegreen";
    stableVersion: string;
    candidateVersion: string;
    steps: RolloutStep[];
    /** Where a failed step goes: every request to the stable release. */
    rollback: { label: string; change: ConfigChange };
}

const key = (path: string) => `${configNamespace}:${path}`;

export const rolloutStrategies = ["canary", "bluegreen"] as const;

/** Error with the key, the value given and what is allowed, like the stack config's. */
export class LabUsageError extends Error {
    constructor(key: string, given: string, allowed: string) {
        super(`${key}: got ${given}; allowed: ${allowed}`);
        this.name = "LabUsageError";
    }
}

/**
 * The guided rollout of a stack: a weighted canary steps the candidate's weight through `steps`
 * (default: the stack's `measure.steps`); blue/green is one step, the switch to green. Rolling back
 * sends every request to the stable release (canary weight 0, blue/green back to blue), whatever the
 * stack started at: a candidate that failed its check gets no more traffic.
 */
export function rolloutPlan(config: LabConfig, steps: number[] = config.measure.steps): RolloutPlan {
    const base = { stableVersion: config.stable.version, candidateVersion: config.candidate.version };
    switch (config.strategy) {
        case "canary":
            return {
                strategy: "canary",
                ...base,
                steps: steps.map((share, i) => ({
                    index: i + 1,
                    share,
                    label: `weight ${share}%`,
                    change: { [key("canary.weight")]: String(share) },
                })),
                rollback: { label: "weight 0% (all to stable)", change: { [key("canary.weight")]: "0" } },
            };
        case "bluegreen":
            return {
                strategy: "bluegreen",
                ...base,
                steps: [{ index: 1, share: 100, label: "switch to green", change: { [key("bluegreen.activeColor")]: "green" } }],
                rollback: { label: "switch back to blue", change: { [key("bluegreen.activeColor")]: "blue" } },
            };
        default:
            throw new LabUsageError(
                key("strategy"),
                `"${config.strategy}"`,
                `${rolloutStrategies.join(", ")} for lab rollout (recreate and rolling replace every copy in one pulumi up; abtest and shadow do not shift a share of all traffic)`,
            );
    }
}

/** How `lab compare` moves one strategy's stack from v1 to v2, and what it expects to see once settled. */
export interface ComparisonPlan {
    strategy: Strategy;
    /** Set before the first `pulumi up`: the stack with only the stable release live. */
    before: ConfigChange;
    /** Applied in order under load, one `pulumi up` each. */
    changes: { label: string; change: ConfigChange }[];
    /** Share of the probe's requests (0..1) v2 answers once the change has settled. */
    settledCandidateShare: number;
    /** Headers the probe sends, and on which share of its requests (A/B: the test group). */
    probeHeaders?: { headers: Record<string, string>; share: number };
}

/** The A/B group's share of the probe's requests in a comparison. */
export const abGroupShare = 0.5;

/**
 * Each strategy's change from v1 to v2, as a user of it would make it:
 * - recreate, rolling: the one service's release flips to the candidate;
 * - bluegreen: the live colour flips to green (both colours run throughout);
 * - canary: the weight steps through `measure.steps`, from 0;
 * - abtest: the rule is switched on for the test group (the probe sends the stack's header on half its
 *   requests): before, the rule's value is one the probe never sends;
 * - shadow: the copied share goes from 1% to the stack's percent; users keep getting v1.
 */
export function comparisonPlan(config: LabConfig): ComparisonPlan {
    const strategy = config.strategy;
    switch (strategy) {
        case "recreate":
        case "rolling":
            return {
                strategy,
                before: { [key("release")]: "stable" },
                changes: [{ label: "release: candidate", change: { [key("release")]: "candidate" } }],
                settledCandidateShare: 1,
            };
        case "bluegreen":
            return {
                strategy,
                before: { [key("bluegreen.activeColor")]: "blue" },
                changes: [{ label: "switch to green", change: { [key("bluegreen.activeColor")]: "green" } }],
                settledCandidateShare: 1,
            };
        case "canary": {
            const plan = rolloutPlan(config);
            const steps = plan.steps.at(-1)?.share === 100 ? plan.steps : [...plan.steps, { label: "weight 100%", change: { [key("canary.weight")]: "100" } }];
            return {
                strategy,
                before: plan.rollback.change,
                changes: steps.map((s) => ({ label: s.label, change: s.change })),
                settledCandidateShare: 1,
            };
        }
        case "abtest": {
            const header = config.abtest?.header;
            const value = config.abtest?.value;
            if (header === undefined || value === undefined || config.abtest?.valueMatch !== "exact") {
                throw new LabUsageError(
                    key("abtest"),
                    JSON.stringify(config.abtest ?? null),
                    "for lab compare, an A/B rule by header with an exact value (the probe plays the test group by sending it)",
                );
            }
            return {
                strategy,
                before: { [key("abtest.value")]: `${value}-off` },
                changes: [{ label: `rule on: ${header}: ${value}`, change: { [key("abtest.value")]: value } }],
                settledCandidateShare: abGroupShare,
                probeHeaders: { headers: { [header]: value }, share: abGroupShare },
            };
        }
        case "shadow":
            return {
                strategy,
                before: { [key("shadow.percent")]: "1" },
                changes: [{ label: `copy ${config.shadow.percent}%`, change: { [key("shadow.percent")]: String(config.shadow.percent) } }],
                settledCandidateShare: 0,
            };
    }
}
