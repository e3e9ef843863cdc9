import { gatewayApiCrds } from "../gatewayApi";
import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedSummary } from "../routingScope";
import { istioDeclaration } from "./declaration";
import { istioGatewayApiGateway, istioHttpRouteObject } from "./istioHttpRoute";
import { IstioMesh, gatewayNamespace, gatewayService, injectionLabel, istioNodePorts } from "./istioMesh";
import { destinationRuleObject, gatewayObject, virtualServiceObject } from "./istioRoutes";

// Istio routes on its ingress gateway, by a VirtualService over a DestinationRule's subsets, or with
// istio.routes httpRoute by a Gateway API HTTPRoute over the releases' Services; its addons (Kiali,
// Jaeger) read the lab's Prometheus and Grafana.

export const istioRouter: KubernetesRouter<"istio" | "gatewayApi"> = {
    declaration: istioDeclaration,
    namespaceMetadata: () => ({ labels: injectionLabel, annotations: {} }),
    entryService: () => gatewayService,
    uiPorts: ({ istio }) => [
        { nodePort: istioNodePorts.kiali, hostPort: istio.kialiPort, listenAddress: istio.listenAddress },
        { nodePort: istioNodePorts.jaeger, hostPort: istio.jaegerPort, listenAddress: istio.listenAddress },
    ],
    sidecarMetrics: (settings) => ({ kind: "istio", namespaces: [settings.namespace, gatewayNamespace] }),
    install(ctx) {
        const { istio, gatewayApi, namespace: ns } = ctx.settings;
        const scope = { parent: new RoutingScope("istio", ctx.opts) };
        const byHttpRoute = istio.routes === "httpRoute";
        // istiod reads the Gateway API kinds it finds at start: the CRDs go in first.
        const crds = byHttpRoute ? gatewayApiCrds("lab-istio-gateway-api", gatewayApi, ctx.cluster, scope) : [];
        const mesh = istio.install
            ? new IstioMesh(
                  "lab-istio",
                  {
                      istio,
                      entryNodePort: ctx.entryServiceType === "ClusterIP" ? undefined : ctx.entryNodePort,
                      nodePorts: ctx.uiNodePorts,
                      prometheusUrl: ctx.monitoring.prometheusUrl,
                      grafana: ctx.monitoring.grafana,
                      after: crds,
                  },
                  scope,
              )
            : undefined;
        const ready = [...crds, ...(mesh?.ready ?? [])];
        return {
            scope: scope.parent,
            // Meshed pods start after the injector.
            appAfter: ready,
            route(app) {
                const after = { ...scope, dependsOn: [...ready, ...app.resources] };
                if (byHttpRoute) {
                    const gateway = customResource("lab-istio-ingress-gateway", istioGatewayApiGateway(gatewayService, ns), { ...scope, dependsOn: ready });
                    customResource("lab-httproute", istioHttpRouteObject(ctx.plan, ns, gatewayService.namespace), { ...scope, dependsOn: [gateway, ...app.resources] });
                } else {
                    customResource("lab-gateway", gatewayObject(ns), after);
                    customResource("lab-destinationrule", destinationRuleObject(ctx.plan, ns), after);
                    customResource("lab-virtualservice", virtualServiceObject(ctx.plan, ns), after);
                }
                return { routing: routedSummary(ctx.plan, "istio"), urls: mesh ? { kialiUrl: mesh.kialiUrl, jaegerUrl: mesh.jaegerUrl } : ({} as Record<string, string>) };
            },
        };
    },
};
