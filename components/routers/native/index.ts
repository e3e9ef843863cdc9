import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appAutoscaler, appDeployment, appName, appService, selectorLabels } from "../../kubernetes/appWorkloads";
import { deploymentReplacement } from "../../kubernetes/replacement";
import { LabPlan, RoutingSummary, Strategy, summarizePlan } from "../../plan";
import { KubernetesRouter, KubernetesRouterContext } from "../router";
import { nativeDeclaration } from "./declaration";

// Routing with Kubernetes alone: one Service in front of every release. A single release is simply
// selected; blue/green is the Service selector naming the active colour (switching is one selector
// change, rolling back the same change again); a canary is the candidate's share of the pods the Service
// selects, so kube-proxy spreads connections over all ready pods.

/** The one Service's selector for a plan: every app pod, or only the active colour's. */
export function nativeSelector(plan: LabPlan): Record<string, string> {
    const { routing } = plan;
    if (routing.kind !== "switch") {
        return selectorLabels;
    }
    const active = plan.releases.find((r) => r.role === routing.active)!;
    return { ...selectorLabels, ...active.selector };
}

// Component types as the lab has always named them: a resource's URN contains its parent's type, so a
// rename would make `pulumi up` replace every Deployment of a running lab.
const componentType: Partial<Record<Strategy, string>> = {
    recreate: "rollout-lab:strategies:Recreate",
    rolling: "rollout-lab:strategies:Rolling",
    bluegreen: "rollout-lab:strategies:BlueGreen",
    canary: "rollout-lab:strategies:Canary",
};

/** The plan's Deployments (one per release) behind the one Service. */
export class NativeRouting extends pulumi.ComponentResource {
    public readonly deployments: k8s.apps.v1.Deployment[];
    public readonly service: k8s.core.v1.Service;
    public readonly summary: RoutingSummary;

    constructor(name: string, ctx: KubernetesRouterContext, opts?: pulumi.ComponentResourceOptions) {
        const type = componentType[ctx.plan.strategy];
        if (type === undefined) {
            // Config validation refuses these before we get here; this guards a future declaration change.
            throw new Error(`strategy "${ctx.plan.strategy}" has no native implementation; allowed: ${Object.keys(componentType).join(", ")}`);
        }
        super(type, name, {}, opts);
        const { config, plan, namespace } = ctx;
        const child = { parent: this, dependsOn: ctx.imagesReady };
        const replacement = deploymentReplacement(plan, config);
        this.deployments = plan.releases.map((release) => appDeployment({ release, image: ctx.images[release.role] }, { namespace, ...replacement }, child));
        plan.releases.forEach((release) => appAutoscaler(release, namespace, config.hpa, child));
        const selector = nativeSelector(plan);
        this.service = appService(`${name}-svc`, { namespace, selector, type: ctx.entryServiceType }, child);
        this.summary = { ...summarizePlan(plan, "native"), serviceSelector: selector };
        this.registerOutputs({ service: this.service, summary: this.summary });
    }
}

export const nativeRouter: KubernetesRouter = {
    declaration: nativeDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: (config) => ({ namespace: config.namespace, name: appName }),
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    render(ctx) {
        const routing = new NativeRouting(`lab-${ctx.plan.strategy}`, ctx, ctx.opts);
        return { routing: routing.summary, urls: {} };
    },
};
