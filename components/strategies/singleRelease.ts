import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RoutingSummary, StrategyArgs, summarize } from "./args";
import { DeploymentOptions, Workload, appAutoscaler, appDeployment, appName, appService, selectorLabels } from "./workload";

/**
 * recreate and rolling run one Deployment; `release` says whether it runs the stable or the candidate
 * release. Stepping the rollout is flipping `release`, which changes the pod template and makes
 * Kubernetes replace the pods the way the Deployment's strategy says.
 */
export function singleReleaseWorkload(args: StrategyArgs): Workload {
    const { config } = args;
    const isCandidate = config.release === "candidate";
    const release = isCandidate ? config.candidate : config.stable;
    return {
        name: appName,
        release,
        color: isCandidate ? "green" : "blue",
        track: "stable",
        replicas: release.replicas,
        image: isCandidate ? args.images.candidate : args.images.stable,
        matchLabels: {},
    };
}

/** One Deployment behind one Service; subclasses say how Kubernetes replaces its pods. */
export abstract class SingleReleaseStrategy extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly summary: RoutingSummary;

    protected constructor(
        type: string,
        name: string,
        args: StrategyArgs,
        replacement: Omit<DeploymentOptions, "namespace">,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        const workload = singleReleaseWorkload(args);
        const child = { parent: this, dependsOn: args.dependsOn };
        this.deployment = appDeployment(workload, { namespace: args.namespace, ...replacement }, child);
        appAutoscaler(workload, args.namespace, args.config.hpa, child);
        this.service = appService(`${name}-svc`, { namespace: args.namespace, selector: selectorLabels, type: args.serviceType }, child);
        this.summary = summarize(args.config, [workload], selectorLabels, () => 100);
        this.registerOutputs({ deployment: this.deployment, service: this.service, summary: this.summary });
    }
}
