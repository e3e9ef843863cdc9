import { entryController, ingressControllerService, ingressNamespace } from "../ingressNginx";
import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, ingress, routedSummary } from "../routingScope";
import { linkerdDeclaration } from "./declaration";
import { httpRouteObject } from "./httpRoute";
import { LinkerdMesh, injectAnnotation } from "./linkerdMesh";
import { meshEntryIngressSpec } from "./meshEntry";

// Linkerd routes with a Gateway API HTTPRoute attached to the app's Service; ingress-nginx at the entry
// only forwards to that Service (service-upstream), meshed itself so the route applies to its requests.

export const linkerdRouter: KubernetesRouter<"linkerd" | "ingressNginx"> = {
    declaration: linkerdDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: injectAnnotation }),
    entryService: () => ingressControllerService,
    uiPorts: () => [],
    sidecarMetrics: (settings) => ({ kind: "linkerd", namespaces: [settings.namespace, ingressNamespace] }),
    install(ctx) {
        const { linkerd, ingressNginx, namespace } = ctx.settings;
        const scope = { parent: new RoutingScope("linkerd", ctx.opts) };
        const ready = linkerd.install ? new LinkerdMesh("lab-linkerd", { config: linkerd }, scope).ready : [];
        // The controller runs meshed, so its requests to the Service go through a proxy that applies the route.
        const controller = linkerd.install ? [entryController(ctx, ingressNginx.chartVersion, scope, injectAnnotation, ready)] : [];
        return {
            scope: scope.parent,
            // Meshed pods start after the injector.
            appAfter: ready,
            route(app) {
                customResource("lab-httproute", httpRouteObject(ctx.plan, namespace), { ...scope, dependsOn: [...ready, ...app.resources] });
                ingress("lab-ingress-demo-app", meshEntryIngressSpec(namespace), { ...scope, dependsOn: [...controller, ...app.resources] });
                return { routing: routedSummary(ctx.plan, "linkerd"), urls: {} };
            },
        };
    },
};
