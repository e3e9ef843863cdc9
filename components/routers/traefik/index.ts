import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedSummary } from "../routingScope";
import { traefikDeclaration } from "./declaration";
import { TraefikProxy } from "./traefikProxy";
import { dynamicConfig, gatewayObject, httpRouteObject, isSticky, stickyObjects, traefikService } from "./traefikRoutes";

// Traefik routes by the Gateway API: a Gateway in the lab's namespace on Traefik's GatewayClass, and an
// HTTPRoute whose rules are the plan's (weights, matches, or the mirroring service for shadow). A sticky
// canary routes through a weighted TraefikService over 100 buckets with a sticky cookie (stickyObjects).

export const traefikRouter: KubernetesRouter<"traefik" | "gatewayApi"> = {
    declaration: traefikDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: () => traefikService,
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    install(ctx) {
        const { traefik, gatewayApi, namespace } = ctx.settings;
        const scope = { parent: new RoutingScope("traefik", ctx.opts) };
        const ready = traefik.install
            ? new TraefikProxy(
                  "lab-traefik",
                  {
                      config: traefik,
                      gatewayApi,
                      dynamicConfig: dynamicConfig(ctx.plan, namespace),
                      ...(isSticky(ctx.plan) ? { crdNamespace: namespace } : {}),
                      serviceType: ctx.entryServiceType,
                      httpNodePort: ctx.entryNodePort,
                  },
                  // Traefik's image may be one kind.loadImages puts in the nodes (no registry serves it).
                  { ...scope, dependsOn: ctx.extraImagesReady },
              ).ready
            : [];
        return {
            scope: scope.parent,
            appAfter: [],
            route(app) {
                const gateway = customResource("lab-gateway", gatewayObject(namespace), { ...scope, dependsOn: ready });
                const sticky = stickyObjects(ctx.plan, namespace).map((o) => customResource(`lab-${o.metadata.name}`, o, { ...scope, dependsOn: [...ready, ...app.resources] }));
                customResource("lab-httproute", httpRouteObject(ctx.plan, namespace), { ...scope, dependsOn: [gateway, ...app.resources, ...sticky] });
                return { routing: routedSummary(ctx.plan, "traefik"), urls: {} };
            },
        };
    },
};
