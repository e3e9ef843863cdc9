import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import { RoutingSummary, summarize } from "../strategies/args";
import { singleReleaseReplacement } from "../strategies/singleRelease";
import { appAutoscaler, appDeployment, appService, selectorLabels } from "../strategies/workload";
import { RoutePlan, backendsOf } from "./plan";

export interface RoutedAppArgs {
    config: LabConfig;
    plan: RoutePlan;
    namespace: pulumi.Input<string>;
    /** What the pods wait for: images loaded, the mesh's injector running. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The app under a router: one Deployment per release with its own Service, and the parent Service that
 * clients address (it selects every release's pods; the router, not the selector, decides who answers).
 * Both releases keep their replica counts whatever the weight.
 */
export class RoutedApp extends pulumi.ComponentResource {
    public readonly deployments: k8s.apps.v1.Deployment[];
    public readonly parentService: k8s.core.v1.Service;

    constructor(name: string, args: RoutedAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:traffic:RoutedApp", name, {}, opts);
        const { config, plan, namespace } = args;
        const child = { parent: this, dependsOn: args.dependsOn };
        const single = plan.candidate === undefined;
        const replacement = single ? singleReleaseReplacement(config) : {};
        this.deployments = backendsOf(plan).map((b) => appDeployment(b.workload, { namespace, ...replacement }, child));
        backendsOf(plan).forEach((b) => appAutoscaler(b.workload, namespace, config.hpa, child));
        this.parentService = appService(`${name}-svc`, { namespace, selector: selectorLabels, type: "ClusterIP" }, child);
        if (!single) {
            for (const b of backendsOf(plan)) {
                appService(`${name}-${b.subset}-svc`, { namespace, selector: { ...selectorLabels, ...b.workload.matchLabels }, type: "ClusterIP", name: b.service }, child);
            }
        }
        this.registerOutputs({});
    }
}

/** What the stack output says about a routed plan: each release's replicas and share, and the route's rules. */
export function routedSummary(config: LabConfig, plan: RoutePlan): RoutingSummary {
    // Ordinary requests are split by weight only without A/B matches or a mirror; otherwise stable answers them all.
    const split = plan.candidate !== undefined && plan.matches === undefined && plan.mirrorPercent === undefined;
    const shareOf = (subset: "stable" | "candidate") => {
        const candidateShare = split ? plan.candidateWeight : 0;
        return subset === "stable" ? 100 - candidateShare : candidateShare;
    };
    const backends = backendsOf(plan);
    return {
        ...summarize(config, backends.map((b) => b.workload), selectorLabels, (w) => shareOf(backends.find((b) => b.workload === w)!.subset)),
        route: {
            ...(split ? { candidateWeight: plan.candidateWeight } : {}),
            ...(plan.matches !== undefined ? { matches: plan.matches } : {}),
            ...(plan.mirrorPercent !== undefined ? { mirrorPercent: plan.mirrorPercent } : {}),
        },
    };
}
