import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RoutedApp } from "../kubernetes/routedApp";
import { selectorLabels } from "../kubernetes/appWorkloads";
import { LabPlan, RoutingSummary, TrafficProvider, routeOf, summarizePlan } from "../plan";
import { ingressController } from "./nginx/nginxIngress";
import { KubernetesRouterContext } from "./router";

// What the routers that route by rules (nginx, linkerd, istio) share: the component their objects hang
// under, the app with a Service per release, and the ingress-nginx controller at the entry.

/** The component every routed provider's objects hang under, carrying the lab's Kubernetes provider to them. */
export class RoutingScope extends pulumi.ComponentResource {
    constructor(provider: TrafficProvider, opts: pulumi.ComponentResourceOptions) {
        // Named as the lab always has: the type and name are part of every child's URN.
        super(`rollout-lab:traffic:${provider.charAt(0).toUpperCase()}${provider.slice(1)}Routing`, `lab-traffic-${provider}`, {}, opts);
        this.registerOutputs({});
    }
}

export type Scope = { parent: pulumi.Resource };

export function customResource(name: string, obj: Record<string, any>, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, obj as k8s.apiextensions.CustomResourceArgs, opts);
}

export function ingress(name: string, spec: k8s.types.input.networking.v1.Ingress, opts: pulumi.CustomResourceOptions): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(name, spec, opts);
}

/** The plan's releases, each with its Service, with the pods waiting for `ready`. */
export function routedApp(ctx: KubernetesRouterContext, ready: pulumi.Resource[], scope: Scope): RoutedApp {
    return new RoutedApp(
        `lab-${ctx.plan.strategy}`,
        { config: ctx.config, plan: ctx.plan, images: ctx.images, namespace: ctx.namespace, dependsOn: [...ctx.imagesReady, ...ready] },
        scope,
    );
}

/** ingress-nginx at the lab's entry port. */
export function entryController(ctx: KubernetesRouterContext, scope: Scope, podAnnotations?: Record<string, string>, dependsOn: pulumi.Resource[] = []) {
    return ingressController(
        "lab-ingress-nginx",
        { serviceType: ctx.entryServiceType, httpNodePort: ctx.entryNodePort, podAnnotations, chartVersion: ctx.config.ingressNginx.chartVersion },
        { ...scope, dependsOn },
    );
}

/** The stack output's routing for a plan under a router that routes by rules. */
export function routedSummary(plan: LabPlan, traffic: RoutingSummary["traffic"]): RoutingSummary {
    return { ...summarizePlan(plan, traffic), serviceSelector: selectorLabels, route: routeOf(plan) };
}
