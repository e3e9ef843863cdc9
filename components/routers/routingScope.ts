import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorLabels } from "../kubernetes/appWorkloads";
import { LabPlan, RoutingSummary, TrafficProvider, routeOf, summarizePlan } from "../plan";

// What the routers that route by rules (Traefik, ingress-nginx, Linkerd, Istio) share: the component the
// app and their objects hang under, the custom objects they create, and the `routing` output they give.

/** The component every rule router's objects (and the app's workloads) hang under, carrying the lab's Kubernetes provider to them. */
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

/** The stack output's routing for a plan under a router that routes by rules. */
export function routedSummary(plan: LabPlan, traffic: RoutingSummary["traffic"]): RoutingSummary {
    return { ...summarizePlan(plan, traffic), serviceSelector: selectorLabels, route: routeOf(plan) };
}
