import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedApp, routedSummary } from "../routedScope";
import { traefikDeclaration } from "./declaration";
import { TraefikProxy } from "./traefikProxy";
import { dynamicConfig, gatewayObject, httpRouteObject, traefikService } from "./traefikRoutes";

// Traefik routes by the Gateway API: a Gateway in the lab's namespace on Traefik's GatewayClass, and an
// HTTPRoute whose rules are the plan's (weights, matches, or the mirroring service for shadow).

export const traefikRouter: KubernetesRouter = {
    declaration: traefikDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: () => traefikService,
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    render(ctx) {
        const scope = { parent: new RoutingScope("traefik", ctx.opts) };
        const ns = ctx.config.namespace;
        const ready = ctx.config.traefik.install
            ? new TraefikProxy(
                  "lab-traefik",
                  {
                      config: ctx.config.traefik,
                      gatewayApi: ctx.config.gatewayApi,
                      dynamicConfig: dynamicConfig(ctx.plan, ns),
                      serviceType: ctx.entryServiceType,
                      httpNodePort: ctx.entryNodePort,
                  },
                  // Traefik's image may be one kind.loadImages puts in the nodes (no registry serves it).
                  { ...scope, dependsOn: ctx.extraImagesReady },
              ).ready
            : [];
        const app = routedApp(ctx, [], scope);
        const gateway = customResource("lab-gateway", gatewayObject(ns), { ...scope, dependsOn: ready });
        customResource("lab-httproute", httpRouteObject(ctx.plan, ns), { ...scope, dependsOn: [gateway, app] });
        return { routing: routedSummary(ctx.plan, "traefik"), urls: {} };
    },
};
