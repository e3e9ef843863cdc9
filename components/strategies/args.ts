import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import type { AbMatch } from "../traffic/plan";
import { ServiceOptions, Workload } from "./workload";

/** What every strategy component receives. */
export interface StrategyArgs {
    /** The validated stack config. */
    config: LabConfig;
    /** Namespace the app lives in. */
    namespace: pulumi.Input<string>;
    /** Image reference for each release. */
    images: { stable: pulumi.Input<string>; candidate: pulumi.Input<string> };
    /** How the Service is exposed. */
    serviceType: ServiceOptions["type"];
    /** Resources the app's pods need first (images loaded into the cluster). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** What a strategy reports about where traffic goes, exported as a stack output. */
export interface RoutingSummary {
    strategy: LabConfig["strategy"];
    traffic: LabConfig["traffic"];
    /** Each Deployment with its version, replicas and the share of new requests it should get. */
    workloads: { name: string; version: string; color: string; replicas: number; expectedShare: number }[];
    /** Kubernetes: the Service selector in effect. */
    serviceSelector?: Record<string, string>;
    /** Ingress or mesh routing: the candidate's weight, the A/B matches that pick it, the mirrored share. */
    route?: {
        candidateWeight?: number;
        matches?: AbMatch[];
        mirrorPercent?: number;
    };
    /** Swarm: the edge proxy and where its stats page is. */
    edge?: { kind: string; statsUrl: string };
}

export function summarize(
    config: LabConfig,
    workloads: Workload[],
    serviceSelector: Record<string, string>,
    shareOf: (w: Workload) => number,
): RoutingSummary {
    return {
        strategy: config.strategy,
        traffic: config.traffic,
        workloads: workloads.map((w) => ({
            name: w.name,
            version: w.release.version,
            color: w.color,
            replicas: w.replicas,
            expectedShare: shareOf(w),
        })),
        serviceSelector,
    };
}
