import * as pulumi from "@pulumi/pulumi";
import { KubernetesRouter } from "../router";
import { RoutingScope, entryController, ingress, routedApp, routedSummary } from "../routedScope";
import { nginxDeclaration } from "./declaration";
import { ingressControllerService, nginxIngressSpecs } from "./nginxIngress";

// ingress-nginx routes by itself: a stable Ingress, and a canary Ingress whose annotations say which
// requests the candidate gets (weight, header, cookie), or the mirror annotation for shadow.

export const nginxRouter: KubernetesRouter = {
    declaration: nginxDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: () => ingressControllerService,
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    render(ctx) {
        const scope = { parent: new RoutingScope("nginx", ctx.opts) };
        const controller = ctx.config.ingressNginx.install ? [entryController(ctx, scope)] : [];
        const app = routedApp(ctx, [], scope);
        // The canary Ingress needs its stable twin first: ingress-nginx ignores a canary without one.
        let previous: pulumi.Resource[] = [...controller, app];
        for (const { name, spec } of nginxIngressSpecs(ctx.plan, ctx.config.namespace)) {
            previous = [ingress(`lab-ingress-${name}`, spec, { ...scope, dependsOn: previous })];
        }
        return { routing: routedSummary(ctx.plan, "nginx"), urls: {} };
    },
};
