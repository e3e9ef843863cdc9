import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedApp, routedSummary } from "../routedScope";
import { istioDeclaration } from "./declaration";
import { IstioMesh, gatewayNamespace, gatewayService, injectionLabel, istioNodePorts } from "./istioMesh";
import { gatewayApiCrds } from "../gatewayApi";
import { istioGatewayApiGateway, istioHttpRouteObject } from "./istioHttpRoute";
import { destinationRuleObject, gatewayObject, virtualServiceObject } from "./istioRoutes";

// Istio routes on its ingress gateway, by a VirtualService over a DestinationRule's subsets, or with
// istio.routes httpRoute by a Gateway API HTTPRoute over the releases' Services; its addons (Kiali,
// Jaeger) read the lab's Prometheus and Grafana.

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
        const byHttpRoute = ctx.config.istio.routes === "httpRoute";
        // istiod reads the Gateway API kinds it finds at start: the CRDs go in first.
        const crds = byHttpRoute ? gatewayApiCrds("lab-istio-gateway-api", ctx.config.gatewayApi, scope) : [];
        const mesh = ctx.config.istio.install
            ? new IstioMesh(
                  "lab-istio",
                  {
                      config: ctx.config,
                      entryNodePort: ctx.entryServiceType === "ClusterIP" ? undefined : ctx.entryNodePort,
                      nodePorts: ctx.uiNodePorts,
                      prometheusUrl: ctx.monitoring.prometheusUrl,
                      grafana: { inClusterUrl: ctx.monitoring.grafanaInClusterUrl, externalUrl: ctx.monitoring.grafanaUrl },
                      after: crds,
                  },
                  scope,
              )
            : undefined;
        const ready = [...crds, ...(mesh?.ready ?? [])];
        const app = routedApp(ctx, ready, scope);
        const ns = ctx.config.namespace;
        const after = { ...scope, dependsOn: [...ready, app] };
        if (byHttpRoute) {
            const gateway = customResource("lab-istio-ingress-gateway", istioGatewayApiGateway(gatewayService, ns), { ...scope, dependsOn: ready });
            customResource("lab-httproute", istioHttpRouteObject(ctx.plan, ns, gatewayService.namespace), { ...scope, dependsOn: [gateway, app] });
        } else {
            customResource("lab-gateway", gatewayObject(ns), after);
            customResource("lab-destinationrule", destinationRuleObject(ctx.plan, ns), after);
            customResource("lab-virtualservice", virtualServiceObject(ctx.plan, ns), after);
        }
        return { routing: routedSummary(ctx.plan, "istio"), urls: mesh ? { kialiUrl: mesh.kialiUrl, jaegerUrl: mesh.jaegerUrl } : ({} as Record<string, string>) };
    },
};
