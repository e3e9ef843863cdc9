import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedApp, routedSummary } from "../routedScope";
import { istioDeclaration } from "./declaration";
import { IstioMesh, gatewayNamespace, gatewayService, injectionLabel, istioNodePorts } from "./istioMesh";
import { destinationRuleObject, gatewayObject, virtualServiceObject } from "./istioRoutes";

// Istio routes with a VirtualService on its ingress gateway over a DestinationRule's subsets; its addons
// (Kiali, Jaeger) read the lab's Prometheus and Grafana.

export const istioRouter: KubernetesRouter = {
    declaration: istioDeclaration,
    namespaceMetadata: () => ({ labels: injectionLabel, annotations: {} }),
    entryService: () => gatewayService,
    uiPorts: (config) => [
        { nodePort: istioNodePorts.kiali, hostPort: config.istio.kialiPort, listenAddress: config.istio.listenAddress },
        { nodePort: istioNodePorts.jaeger, hostPort: config.istio.jaegerPort, listenAddress: config.istio.listenAddress },
    ],
    sidecarMetrics: (config) => ({ kind: "istio", namespaces: [config.namespace, gatewayNamespace] }),
    render(ctx) {
        const scope = { parent: new RoutingScope("istio", ctx.opts) };
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
        const app = routedApp(ctx, ready, scope);
        const ns = ctx.config.namespace;
        const after = { ...scope, dependsOn: [...ready, app] };
        customResource("lab-gateway", gatewayObject(ns), after);
        customResource("lab-destinationrule", destinationRuleObject(ctx.plan, ns), after);
        customResource("lab-virtualservice", virtualServiceObject(ctx.plan, ns), after);
        return { routing: routedSummary(ctx.plan, "istio"), urls: mesh ? { kialiUrl: mesh.kialiUrl, jaegerUrl: mesh.jaegerUrl } : ({} as Record<string, string>) };
    },
};
