import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, routedSummary } from "../routingScope";
import { traefikDeclaration } from "./declaration";
import { TraefikProxy } from "./traefikProxy";
import * as pulumi from "@pulumi/pulumi";
import { LabPlan } from "../../plan";
import { Pause } from "../../local";
import { dynamicConfig, gatewayObject, httpRouteObject, isSticky, stickyObjects, stickyServiceName, traefikService } from "./traefikRoutes";

// Traefik routes by the Gateway API: a Gateway in the lab's namespace on Traefik's GatewayClass, and an
// HTTPRoute whose rules are the plan's (weights, matches, or the mirroring service for shadow). A sticky
// canary routes through a weighted TraefikService over 100 buckets with a sticky cookie (stickyObjects).

/**
 * canary.sticky's TraefikServices: the buckets, then the weighted service over them, then a pause longer
 * than Traefik's provider throttle (2 s) before the route may name it. Without it, the route switched to
 * the sticky service could reach Traefik before its CRD provider has read the buckets: 404s until it has.
 */
function stickySplit(plan: LabPlan, namespace: string, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const objects = stickyObjects(plan, namespace);
    if (objects.length === 0) {
        return [];
    }
    const buckets = objects.slice(0, -1).map((o) => customResource(`lab-${o.metadata.name}`, o, opts));
    const weighted = customResource(`lab-${stickyServiceName}`, objects[objects.length - 1], { ...opts, dependsOn: [...buckets] });
    return [new Pause("lab-sticky-read", { seconds: stickyReadSeconds, reason: "Traefik's CRD provider reads the sticky TraefikServices (its throttle is 2 s)" }, { parent: opts.parent, dependsOn: [weighted] })];
}

/** How long the route waits after the sticky TraefikServices are created. */
export const stickyReadSeconds = 3;

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
                      cluster: ctx.cluster,
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
                const gateway = customResource("lab-gateway", gatewayObject(namespace, traefik.listenerPort), { ...scope, dependsOn: ready });
                customResource("lab-httproute", httpRouteObject(ctx.plan, namespace), { ...scope, dependsOn: [gateway, ...app.resources, ...stickySplit(ctx.plan, namespace, { ...scope, dependsOn: [...ready, ...app.resources] })] });
                return { routing: routedSummary(ctx.plan, "traefik"), urls: {} };
            },
        };
    },
};
