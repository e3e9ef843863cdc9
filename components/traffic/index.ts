import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, TrafficProvider } from "../config";
import { RoutingSummary, nativeStrategy } from "../strategies";
import { ServiceOptions } from "../strategies/workload";
import { IstioMesh, injectionLabel } from "./istioMesh";
import { destinationRuleObject, gatewayObject, virtualServiceObject } from "./istioRoutes";
import { httpRouteObject } from "./httpRoute";
import { LinkerdMesh, injectAnnotation } from "./linkerdMesh";
import { ingressController, meshEntryIngressSpec, nginxIngressSpecs } from "./nginxIngress";
import { RoutePlan, routePlan } from "./plan";
import { RoutedApp, routedSummary } from "./routedApp";

export * from "./plan";

// One small interface for every way the lab routes requests on Kubernetes. A provider says what the
// app's namespace needs (mesh injection), installs what it runs on (an ingress controller, a mesh), and
// turns the stack's strategy into routing objects. `native` routes by Service selector and replica ratio;
// `nginx`, `linkerd` and `istio` route by rules over two releases (see plan.ts).

export interface TrafficContext {
    config: LabConfig;
    namespace: pulumi.Input<string>;
    images: { stable: pulumi.Input<string>; candidate: pulumi.Input<string> };
    /** What the app's pods wait for (images loaded into the cluster). */
    imagesReady: pulumi.Resource[];
    /** How the lab's entry Service is exposed: NodePort on kind. */
    entryServiceType: ServiceOptions["type"];
    /** The entry NodePort kind maps to the host, when the entry is a NodePort. */
    entryNodePort?: number;
    /** Expose the mesh's UIs on NodePorts that kind maps to the host. */
    uiNodePorts: boolean;
    /** The lab's Prometheus and Grafana, for the mesh's addons. */
    monitoring: { prometheusUrl: string; grafanaInClusterUrl: string; grafanaUrl: string };
    /** Options every Kubernetes resource takes (the lab's provider). */
    opts: pulumi.ComponentResourceOptions;
}

export interface TrafficResult {
    routing: RoutingSummary;
    /** UIs the provider adds (Kiali, Jaeger), by name. */
    urls: Record<string, string>;
}

export interface Traffic {
    readonly name: TrafficProvider;
    /** Labels and annotations of the app's namespace. */
    namespaceMetadata(): { labels: Record<string, string>; annotations: Record<string, string> };
    /** Installs the provider, runs the app and routes it; returns what the stack outputs show. */
    deploy(ctx: TrafficContext): TrafficResult;
}

const none = () => ({ labels: {}, annotations: {} });

/** The component every provider's objects hang under, carrying the lab's Kubernetes provider to them. */
class TrafficScope extends pulumi.ComponentResource {
    constructor(provider: TrafficProvider, opts: pulumi.ComponentResourceOptions) {
        super(`rollout-lab:traffic:${provider.charAt(0).toUpperCase()}${provider.slice(1)}Routing`, `lab-traffic-${provider}`, {}, opts);
        this.registerOutputs({});
    }
}

function customResource(name: string, obj: Record<string, any>, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, obj as k8s.apiextensions.CustomResourceArgs, opts);
}

function ingress(name: string, spec: k8s.types.input.networking.v1.Ingress, opts: pulumi.CustomResourceOptions): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(name, spec, opts);
}

/** The plan, the app's Deployments and Services, with the pods waiting for `ready`. */
function routedApp(ctx: TrafficContext, ready: pulumi.Resource[], scope: { parent: pulumi.Resource }): { plan: RoutePlan; app: RoutedApp } {
    const plan = routePlan(ctx.config, ctx.images);
    const app = new RoutedApp(`lab-${ctx.config.strategy}`, { config: ctx.config, plan, namespace: ctx.namespace, dependsOn: [...ctx.imagesReady, ...ready] }, scope);
    return { plan, app };
}

function entryController(ctx: TrafficContext, scope: { parent: pulumi.Resource }, podAnnotations?: Record<string, string>, dependsOn: pulumi.Resource[] = []) {
    return ingressController(
        "lab-ingress-nginx",
        { serviceType: ctx.entryServiceType, httpNodePort: ctx.entryNodePort, podAnnotations, chartVersion: ctx.config.ingressNginx.chartVersion },
        { ...scope, dependsOn },
    );
}

export const nativeTraffic: Traffic = {
    name: "native",
    namespaceMetadata: none,
    deploy(ctx) {
        const strategy = nativeStrategy(
            `lab-${ctx.config.strategy}`,
            { config: ctx.config, namespace: ctx.namespace, images: ctx.images, serviceType: ctx.entryServiceType, dependsOn: ctx.imagesReady },
            ctx.opts,
        );
        return { routing: strategy.summary, urls: {} };
    },
};

export const nginxTraffic: Traffic = {
    name: "nginx",
    namespaceMetadata: none,
    deploy(ctx) {
        const scope = { parent: new TrafficScope("nginx", ctx.opts) };
        const controller = ctx.config.ingressNginx.install ? [entryController(ctx, scope)] : [];
        const { plan, app } = routedApp(ctx, [], scope);
        const ns = ctx.config.namespace;
        // The canary Ingress needs its stable twin first: ingress-nginx ignores a canary without one.
        let previous: pulumi.Resource[] = [...controller, app];
        for (const { name, spec } of nginxIngressSpecs(plan, ns)) {
            previous = [ingress(`lab-ingress-${name}`, spec, { ...scope, dependsOn: previous })];
        }
        return { routing: routedSummary(ctx.config, plan), urls: {} };
    },
};

export const linkerdTraffic: Traffic = {
    name: "linkerd",
    namespaceMetadata: () => ({ labels: {}, annotations: injectAnnotation }),
    deploy(ctx) {
        const scope = { parent: new TrafficScope("linkerd", ctx.opts) };
        const install = ctx.config.linkerd.install;
        const ready = install ? new LinkerdMesh("lab-linkerd", { config: ctx.config.linkerd }, scope).ready : [];
        // The controller runs meshed, so its requests to the Service go through a proxy that applies the route.
        const controller = install ? [entryController(ctx, scope, injectAnnotation, ready)] : [];
        const { plan, app } = routedApp(ctx, ready, scope);
        const ns = ctx.config.namespace;
        customResource("lab-httproute", httpRouteObject(plan, ns), { ...scope, dependsOn: [...ready, app] });
        ingress("lab-ingress-demo-app", meshEntryIngressSpec(plan, ns), { ...scope, dependsOn: [...controller, app] });
        return { routing: routedSummary(ctx.config, plan), urls: {} };
    },
};

export const istioTraffic: Traffic = {
    name: "istio",
    namespaceMetadata: () => ({ labels: injectionLabel, annotations: {} }),
    deploy(ctx) {
        const scope = { parent: new TrafficScope("istio", ctx.opts) };
        const mesh = ctx.config.istio.install
            ? new IstioMesh(
                  "lab-istio",
                  {
                      config: ctx.config,
                      entryNodePort: ctx.entryServiceType === "ClusterIP" ? undefined : ctx.entryNodePort,
                      nodePorts: ctx.uiNodePorts,
                      prometheusUrl: ctx.monitoring.prometheusUrl,
                      grafana: { inClusterUrl: ctx.monitoring.grafanaInClusterUrl, externalUrl: ctx.monitoring.grafanaUrl },
                  },
                  scope,
              )
            : undefined;
        const ready = mesh?.ready ?? [];
        const { plan, app } = routedApp(ctx, ready, scope);
        const ns = ctx.config.namespace;
        const after = { ...scope, dependsOn: [...ready, app] };
        customResource("lab-gateway", gatewayObject(ns), after);
        customResource("lab-destinationrule", destinationRuleObject(plan, ns), after);
        customResource("lab-virtualservice", virtualServiceObject(plan, ns), after);
        return { routing: routedSummary(ctx.config, plan), urls: mesh ? { kialiUrl: mesh.kialiUrl, jaegerUrl: mesh.jaegerUrl } : ({} as Record<string, string>) };
    },
};

const providers: Partial<Record<TrafficProvider, Traffic>> = {
    native: nativeTraffic,
    nginx: nginxTraffic,
    linkerd: linkerdTraffic,
    istio: istioTraffic,
};

/** The provider a Kubernetes stack routes with; config validation has already refused the rest. */
export function trafficFor(name: TrafficProvider): Traffic {
    const t = providers[name];
    if (t === undefined) {
        throw new Error(`traffic provider "${name}" does not run on Kubernetes; allowed: ${Object.keys(providers).join(", ")}`);
    }
    return t;
}
