import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RoutingSummary, StrategyArgs, summarize } from "./args";
import { Color, Workload, appAutoscaler, appDeployment, appService, selectorLabels } from "./workload";

/**
 * Two full Deployments, blue (stable release) and green (candidate). The one Service's selector names
 * the active colour, so switching is one selector change and rolling back is the same change again.
 */
export class BlueGreenStrategy extends pulumi.ComponentResource {
    public readonly deployments: Record<Color, k8s.apps.v1.Deployment>;
    public readonly service: k8s.core.v1.Service;
    public readonly summary: RoutingSummary;

    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:strategies:BlueGreen", name, {}, opts);
        const workloads = blueGreenWorkloads(args);
        const child = { parent: this, dependsOn: args.dependsOn };
        this.deployments = {
            blue: appDeployment(workloads.blue, { namespace: args.namespace }, child),
            green: appDeployment(workloads.green, { namespace: args.namespace }, child),
        };
        appAutoscaler(workloads.blue, args.namespace, args.config.hpa, child);
        appAutoscaler(workloads.green, args.namespace, args.config.hpa, child);
        const active = args.config.bluegreen.activeColor;
        const selector = { ...selectorLabels, "rollout-lab/color": active };
        this.service = appService(`${name}-svc`, { namespace: args.namespace, selector, type: args.serviceType }, child);
        this.summary = summarize(args.config, [workloads.blue, workloads.green], selector, (w) => (w.color === active ? 100 : 0));
        this.registerOutputs({ deployments: this.deployments, service: this.service, summary: this.summary });
    }
}

export function blueGreenWorkloads(args: StrategyArgs): Record<Color, Workload> {
    const { config } = args;
    const { activeColor, scaleIdleToZero } = config.bluegreen;
    const replicasFor = (color: Color, wanted: number) => (scaleIdleToZero && color !== activeColor ? 0 : wanted);
    return {
        blue: {
            name: "demo-blue",
            release: config.stable,
            color: "blue",
            track: "stable",
            replicas: replicasFor("blue", config.stable.replicas),
            image: args.images.stable,
            matchLabels: { "rollout-lab/color": "blue" },
        },
        green: {
            name: "demo-green",
            release: config.candidate,
            color: "green",
            track: "stable",
            replicas: replicasFor("green", config.candidate.replicas),
            image: args.images.candidate,
            matchLabels: { "rollout-lab/color": "green" },
        },
    };
}
