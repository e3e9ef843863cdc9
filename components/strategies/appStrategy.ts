import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RoutingSummary, StrategyArgs, summarize } from "./args";
import { DeploymentOptions, Workload, appAutoscaler, appDeployment, appService } from "./workload";

/** How a strategy routes: the Service selector, each workload's expected share, how pods are replaced. */
export interface AppRouting {
    selector: Record<string, string>;
    shareOf(w: Workload): number;
    /** Replacement settings of every Deployment (RollingUpdate with maxSurge 25%, maxUnavailable 0 if unset). */
    replacement?: Omit<DeploymentOptions, "namespace">;
}

/** The demo app's Deployments (one per workload) behind one Service; subclasses choose workloads and routing. */
export abstract class AppStrategy<K extends string> extends pulumi.ComponentResource {
    public readonly deployments: Record<K, k8s.apps.v1.Deployment>;
    public readonly service: k8s.core.v1.Service;
    public readonly summary: RoutingSummary;

    protected constructor(
        type: string,
        name: string,
        args: StrategyArgs,
        workloads: Record<K, Workload>,
        routing: AppRouting,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        const child = { parent: this, dependsOn: args.dependsOn };
        const entries = Object.entries(workloads) as [K, Workload][];
        this.deployments = Object.fromEntries(
            entries.map(([key, w]) => [key, appDeployment(w, { namespace: args.namespace, ...routing.replacement }, child)]),
        ) as Record<K, k8s.apps.v1.Deployment>;
        entries.forEach(([, w]) => appAutoscaler(w, args.namespace, args.config.hpa, child));
        this.service = appService(`${name}-svc`, { namespace: args.namespace, selector: routing.selector, type: args.serviceType }, child);
        this.summary = summarize(args.config, entries.map(([, w]) => w), routing.selector, routing.shareOf);
        this.registerOutputs({ deployments: this.deployments, service: this.service, summary: this.summary });
    }
}
