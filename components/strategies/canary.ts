import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RoutingSummary, StrategyArgs, summarize } from "./args";
import { Track, Workload, appAutoscaler, appDeployment, appService, selectorLabels } from "./workload";

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
export class CanaryStrategy extends pulumi.ComponentResource {
    public readonly deployments: Record<Track, k8s.apps.v1.Deployment>;
    public readonly service: k8s.core.v1.Service;
    public readonly summary: RoutingSummary;

    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:strategies:Canary", name, {}, opts);
        const workloads = canaryWorkloads(args);
        const child = { parent: this, dependsOn: args.dependsOn };
        this.deployments = {
            stable: appDeployment(workloads.stable, { namespace: args.namespace }, child),
            canary: appDeployment(workloads.canary, { namespace: args.namespace }, child),
        };
        appAutoscaler(workloads.stable, args.namespace, args.config.hpa, child);
        appAutoscaler(workloads.canary, args.namespace, args.config.hpa, child);
        this.service = appService(`${name}-svc`, { namespace: args.namespace, selector: selectorLabels, type: args.serviceType }, child);
        const total = workloads.stable.replicas + workloads.canary.replicas;
        this.summary = summarize(args.config, [workloads.stable, workloads.canary], selectorLabels, (w) =>
            Math.round((1000 * w.replicas) / total) / 10,
        );
        this.registerOutputs({ deployments: this.deployments, service: this.service, summary: this.summary });
    }
}

export function canaryWorkloads(args: StrategyArgs): Record<Track, Workload> {
    const { config } = args;
    const split = splitReplicas(config.canary.weight, config.canary.totalReplicas);
    return {
        stable: {
            name: "demo-stable",
            release: config.stable,
            color: "blue",
            track: "stable",
            replicas: split.stable,
            image: args.images.stable,
            matchLabels: { "rollout-lab/track": "stable" },
        },
        canary: {
            name: "demo-canary",
            release: config.candidate,
            color: "green",
            track: "canary",
            replicas: split.canary,
            image: args.images.candidate,
            matchLabels: { "rollout-lab/track": "canary" },
        },
    };
}
