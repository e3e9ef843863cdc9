import * as pulumi from "@pulumi/pulumi";
import { entryController, ingressControllerService } from "../ingressNginx";
import { KubernetesRouter } from "../router";
import { RoutingScope, ingress, routedSummary } from "../routingScope";
import { nginxDeclaration } from "./declaration";
import { nginxIngressSpecs } from "./nginxIngress";

// ingress-nginx routes by itself: a stable Ingress, and a canary Ingress whose annotations say which
// requests the candidate gets (weight, header, cookie), or the mirror annotation for shadow.

export const nginxRouter: KubernetesRouter<"ingressNginx"> = {
    declaration: nginxDeclaration,
    namespaceMetadata: () => ({ labels: {}, annotations: {} }),
    entryService: () => ingressControllerService,
    uiPorts: () => [],
    sidecarMetrics: () => undefined,
    install(ctx) {
        const { ingressNginx, namespace } = ctx.settings;
        const scope = { parent: new RoutingScope("nginx", ctx.opts) };
        const controller = ingressNginx.install ? [entryController(ctx, ingressNginx.chartVersion, scope)] : [];
        return {
            scope: scope.parent,
            appAfter: [],
            route(app) {
                // The canary Ingress needs its stable twin first: ingress-nginx ignores a canary without one.
                let previous: pulumi.Resource[] = [...controller, ...app.resources];
                for (const { name, spec } of nginxIngressSpecs(ctx.plan, namespace)) {
                    previous = [ingress(`lab-ingress-${name}`, spec, { ...scope, dependsOn: previous })];
                }
                return { routing: routedSummary(ctx.plan, "nginx"), urls: {} };
            },
        };
    },
};
