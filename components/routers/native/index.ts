import * as pulumi from "@pulumi/pulumi";
import { appName, appService, selectorLabels } from "../../kubernetes/appWorkloads";
import { ServiceSwitch } from "../../local/serviceSwitch";
import { LabPlan, Strategy, summarizePlan } from "../../plan";
import { KubernetesRouter } from "../router";
import { nativeDeclaration } from "./declaration";

// Routing with Kubernetes alone: one Service in front of every release (the root's Deployments). A single release is simply
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

/** The component the plan's Deployments (the root's) and the one Service in front of them hang under. */
export class NativeRouting extends pulumi.ComponentResource {
    constructor(name: string, strategy: Strategy, opts?: pulumi.ComponentResourceOptions) {
        const type = componentType[strategy];
        if (type === undefined) {
            // Config validation refuses these before we get here; this guards a future declaration change.
            throw new Error(`strategy "${strategy}" has no native implementation; allowed: ${Object.keys(componentType).join(", ")}`);
        }
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

export const nativeRouter: KubernetesRouter<never> = {
    declaration: nativeDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: (settings) => ({ namespace: settings.namespace, name: appName }),
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    install(ctx) {
        const { plan } = ctx;
        const scope = new NativeRouting(`lab-${plan.strategy}`, plan.strategy, ctx.opts);
        return {
            scope,
            appAfter: [],
            route(app) {
                const selector = nativeSelector(plan);
                // A colour switch is one selector change: the lab waits until it has landed (ServiceSwitch), not the provider's 10 s settle.
                // (The root checked for kubectl first: nativeDeclaration.kubectlFor.)
                const access = ctx.cluster.access;
                const ownWait = plan.routing.kind === "switch" && access !== undefined;
                const service = appService(
                    `lab-${plan.strategy}-svc`,
                    { namespace: ctx.namespace, selector, type: ctx.entryServiceType, nodePort: ctx.entryNodePort, ...(ownWait ? { annotations: { "pulumi.com/skipAwait": "true" } } : {}) },
                    { parent: scope, dependsOn: app.resources },
                );
                if (ownWait) {
                    new ServiceSwitch(`lab-${plan.strategy}-switch`, { namespace: ctx.namespace, service: appName, selector, access }, { parent: scope, dependsOn: [service] });
                }
                return { routing: { ...summarizePlan(plan, "native"), serviceSelector: selector }, urls: {} };
            },
        };
    },
};
