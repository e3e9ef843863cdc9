import * as pulumi from "@pulumi/pulumi";
import { StrategyArgs } from "./args";
import { AppStrategy } from "./appStrategy";
import { Track, Workload, selectorLabels } from "./workload";

/** How many replicas each track gets when traffic is split by replica count. */
export function splitReplicas(weight: number, totalReplicas: number): Record<Track, number> {
    const canary = Math.round((totalReplicas * weight) / 100);
    return { stable: totalReplicas - canary, canary };
}

/**
 * Canary by replica ratio: a stable and a canary Deployment behind one Service that selects both, so
 * kube-proxy spreads connections over all ready pods and the candidate's share is its share of pods.
 * The share can only move in steps of 100/totalReplicas percent.
 */
export class CanaryStrategy extends AppStrategy<Track> {
    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        const workloads = canaryWorkloads(args);
        const total = workloads.stable.replicas + workloads.canary.replicas;
        super("rollout-lab:strategies:Canary", name, args, workloads, {
            selector: selectorLabels,
            shareOf: (w) => Math.round((1000 * w.replicas) / total) / 10,
        }, opts);
    }
}

export function canaryWorkloads(args: StrategyArgs): Record<Track, Workload> {
    const { config } = args;
    return trackWorkloads(args, splitReplicas(config.canary.weight, config.canary.totalReplicas));
}

/** The stable release on the stable track (blue) and the candidate on the canary track (green), with these replica counts. */
export function trackWorkloads(args: Pick<StrategyArgs, "config" | "images">, replicas: Record<Track, number>): Record<Track, Workload> {
    const { config } = args;
    return {
        stable: {
            name: "demo-stable",
            release: config.stable,
            color: "blue",
            track: "stable",
            replicas: replicas.stable,
            image: args.images.stable,
            matchLabels: { "rollout-lab/track": "stable" },
        },
        canary: {
            name: "demo-canary",
            release: config.candidate,
            color: "green",
            track: "canary",
            replicas: replicas.canary,
            image: args.images.candidate,
            matchLabels: { "rollout-lab/track": "canary" },
        },
    };
}
