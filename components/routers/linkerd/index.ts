import { ingressControllerService, ingressNamespace, meshEntryIngressSpec } from "../nginx/nginxIngress";
import { KubernetesRouter } from "../router";
import { RoutingScope, customResource, entryController, ingress, routedApp, routedSummary } from "../routedScope";
import { linkerdDeclaration } from "./declaration";
import { httpRouteObject } from "./httpRoute";
import { LinkerdMesh, injectAnnotation } from "./linkerdMesh";

// Linkerd routes with a Gateway API HTTPRoute attached to the app's Service; ingress-nginx at the entry
// only forwards to that Service (service-upstream), meshed itself so the route applies to its requests.

export const linkerdRouter: KubernetesRouter = {
    declaration: linkerdDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: injectAnnotation }),
    entryService: () => ingressControllerService,
    uiPorts: () => [],
    sidecarMetrics: (config) => ({ kind: "linkerd", namespaces: [config.namespace, ingressNamespace] }),
    render(ctx) {
        const scope = { parent: new RoutingScope("linkerd", ctx.opts) };
        const install = ctx.config.linkerd.install;
        const ready = install ? new LinkerdMesh("lab-linkerd", { config: ctx.config.linkerd }, scope).ready : [];
        // The controller runs meshed, so its requests to the Service go through a proxy that applies the route.
        const controller = install ? [entryController(ctx, scope, injectAnnotation, ready)] : [];
        const app = routedApp(ctx, ready, scope);
        const ns = ctx.config.namespace;
        customResource("lab-httproute", httpRouteObject(ctx.plan, ns), { ...scope, dependsOn: [...ready, app] });
        ingress("lab-ingress-demo-app", meshEntryIngressSpec(ns), { ...scope, dependsOn: [...controller, app] });
        return { routing: routedSummary(ctx.plan, "linkerd"), urls: {} };
    },
};
