import * as k8s from "@pulumi/kubernetes";
import * as ingressNginx from "@pulumi/kubernetes-ingress-nginx";
import * as pulumi from "@pulumi/pulumi";
import { appName, serviceHost } from "../../kubernetes/appWorkloads";
import { LabPlan, pairOf, weightedSplit } from "../../plan";

// ingress-nginx at the lab's entry. With traffic "nginx" it does the routing itself: a stable Ingress and
// a canary Ingress whose annotations say which requests the candidate gets (weight, header, cookie), and
// the mirror annotation for shadow. With traffic "linkerd" it only forwards to the app's Service and the
// mesh routes (service-upstream, and the controller itself meshed).

export const ingressClassName = "nginx";
export const ingressNamespace = "ingress-nginx";
const releaseName = "ingress-nginx";
/** The controller's Service (the chart names it after the release): the lab's entry. */
export const ingressControllerService = { namespace: ingressNamespace, name: `${releaseName}-controller` };
const annotation = (name: string) => `nginx.ingress.kubernetes.io/${name}`;

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

/**
 * The canary Ingress's annotations for a plan. ingress-nginx decides per request in this order: the
 * header (its value, or "always"/"never"), then the cookie ("always"/"never"), then the weight.
 */
export function canaryAnnotations(plan: LabPlan): Record<string, string> {
    const a: Record<string, string> = { [annotation("canary")]: "true" };
    const { routing } = plan;
    if (routing.kind === "match") {
        for (const m of routing.matches) {
            if ("header" in m) {
                a[annotation("canary-by-header")] = m.header.name;
                a[annotation(m.header.regex ? "canary-by-header-pattern" : "canary-by-header-value")] = m.header.value;
            } else {
                a[annotation("canary-by-cookie")] = m.cookie;
            }
        }
    } else {
        a[annotation("canary-weight")] = String(weightedSplit(routing) ?? 0);
        a[annotation("canary-weight-total")] = "100";
    }
    return a;
}

/** The stable Ingress's annotations: the mirror for shadow. */
export function stableAnnotations(plan: LabPlan, namespace: string): Record<string, string> {
    const pair = pairOf(plan);
    if (plan.routing.kind !== "mirror" || pair === undefined) {
        return {};
    }
    // ingress-nginx mirrors every request (no percentage): its declaration says so, and config validation
    // allows only shadow.percent 100 here.
    return {
        [annotation("mirror-target")]: `http://${serviceHost(pair.candidate.name, namespace)}$request_uri`,
        [annotation("mirror-request-body")]: "on",
    };
}

/** The Ingress objects of a plan routed by ingress-nginx: stable, plus canary where the candidate gets requests by rule. */
export function nginxIngressSpecs(plan: LabPlan, namespace: string): { name: string; spec: k8s.types.input.networking.v1.Ingress }[] {
    const pair = pairOf(plan);
    const stableService = pair?.stable.name ?? plan.releases[0].name;
    const specs = [{ name: "demo-app", spec: ingressSpec("demo-app", namespace, stableService, stableAnnotations(plan, namespace)) }];
    if (pair !== undefined && plan.routing.kind !== "mirror") {
        specs.push({ name: "demo-app-canary", spec: ingressSpec("demo-app-canary", namespace, pair.candidate.name, canaryAnnotations(plan)) });
    }
    return specs;
}

/** The one Ingress in front of a mesh: to the parent Service, through the Service's address so the mesh's route applies. */
export function meshEntryIngressSpec(namespace: string): k8s.types.input.networking.v1.Ingress {
    return ingressSpec("demo-app", namespace, appName, { [annotation("service-upstream")]: "true" });
}
