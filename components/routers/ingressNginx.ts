import * as k8s from "@pulumi/kubernetes";
import * as ingressNginx from "@pulumi/kubernetes-ingress-nginx";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesRouterContext } from "./router";
import { Scope } from "./routingScope";

// ingress-nginx at the lab's entry, shared by the routers that put it there: with traffic "nginx" it does
// the routing itself (nginx/), with traffic "linkerd" it only forwards to the app's Service and the mesh
// routes (linkerd/). Here: the controller (its Helm chart) and the shape of an Ingress.

export const ingressClassName = "nginx";
export const ingressNamespace = "ingress-nginx";
const releaseName = "ingress-nginx";
/** The controller's Service (the chart names it after the release): the lab's entry. */
export const ingressControllerService = { namespace: ingressNamespace, name: `${releaseName}-controller` };
/** An ingress-nginx annotation's full name. */
export const nginxAnnotation = (name: string) => `nginx.ingress.kubernetes.io/${name}`;

export interface IngressControllerOptions {
    /** NodePort the controller's HTTP port listens on (kind maps it to the host), or undefined for the cluster's choice. */
    httpNodePort?: number;
    serviceType: "NodePort" | "ClusterIP" | "LoadBalancer";
    /** Pod annotations, e.g. Linkerd's proxy injection (on the controller's pods only: the chart's admission Job must stay unmeshed to finish). */
    podAnnotations?: Record<string, string>;
    /** Version of the ingress-nginx Helm chart. */
    chartVersion: string;
}

/** The arguments of the ingress-nginx controller (its Helm chart's values, typed by the Pulumi component). */
export function ingressControllerArgs(o: IngressControllerOptions): ingressNginx.IngressControllerArgs {
    return {
        controller: {
            ingressClassResource: { name: ingressClassName, enabled: true, default: false, controllerValue: "k8s.io/ingress-nginx" },
            // One replica is enough for a lab and keeps the canary's share easy to read.
            replicaCount: 1,
            podAnnotations: o.podAnnotations,
            service: {
                type: o.serviceType,
                nodePorts: o.httpNodePort !== undefined ? { http: String(o.httpNodePort) } : undefined,
                enableHttps: false,
            },
            admissionWebhooks: { enabled: true },
            resources: { requests: { cpu: "100m", memory: "90Mi" } },
        },
        helmOptions: { namespace: ingressNamespace, createNamespace: true, name: releaseName, version: o.chartVersion },
    };
}

export function ingressController(
    name: string,
    o: IngressControllerOptions,
    opts: pulumi.ComponentResourceOptions,
): ingressNginx.IngressController {
    return new ingressNginx.IngressController(name, ingressControllerArgs(o), opts);
}

/** An Ingress for everything on "/" of any host, to one Service's port 80. */
export function ingressSpec(
    name: string,
    namespace: string,
    service: string,
    annotations: Record<string, string>,
): k8s.types.input.networking.v1.Ingress {
    return {
        metadata: { name, namespace, annotations, labels: { "app.kubernetes.io/part-of": "rollout-lab" } },
        spec: {
            ingressClassName,
            rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }] } }],
        },
    };
}

/** ingress-nginx at the lab's entry port, with the chart version the router's settings name. */
export function entryController(
    ctx: Pick<KubernetesRouterContext, "entryServiceType" | "entryNodePort">,
    chartVersion: string,
    scope: Scope,
    podAnnotations?: Record<string, string>,
    dependsOn: pulumi.Resource[] = [],
): ingressNginx.IngressController {
    return ingressController(
        "lab-ingress-nginx",
        { serviceType: ctx.entryServiceType, httpNodePort: ctx.entryNodePort, podAnnotations, chartVersion },
        { ...scope, dependsOn },
    );
}
