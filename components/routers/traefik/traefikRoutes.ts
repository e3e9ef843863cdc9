import * as YAML from "yaml";
import { appName, serviceHost } from "../../kubernetes/appWorkloads";
import { LabPlan, pairOf, stickyBuckets, stickyCookie } from "../../plan";
import { BackendRef, gatewayApiVersion, httpRouteRules } from "../gatewayApi";

// What Traefik routes by, for a plan: the GatewayClass its controller claims, a Gateway in the lab's
// namespace whose listener is Traefik's `web` entry point, the HTTPRoute with the plan's rules, and, for
// shadow, the file provider's mirroring service the route points at.

export const traefikNamespace = "traefik";
/** The Service in front of Traefik's pods: the lab's entry. */
export const traefikService = { namespace: traefikNamespace, name: "traefik" };
export const gatewayClassName = "traefik";
/** The controller name Traefik's Gateway API provider claims GatewayClasses by. */
export const traefikControllerName = "traefik.io/gateway-controller";
export const gatewayName = "lab-gateway";
/** Traefik's `web` entry point: a Gateway listener is bound to the entry point on its port. */
export const webPort = 8000;
/** Where the file provider reads the dynamic configuration (a ConfigMap) from. */
export const dynamicConfigDir = "/etc/traefik/dynamic";
export const dynamicConfigMapName = "traefik-dynamic";
const mirrorServiceName = "lab-shadow";
/** The route's backend for shadow: the file provider's mirroring service, by Traefik's cross-provider name. */
export const mirrorBackend: BackendRef = { group: "traefik.io", kind: "TraefikService", name: `${mirrorServiceName}@file` };

const partOf = { "app.kubernetes.io/part-of": "rollout-lab" };

export function gatewayClassObject(): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "GatewayClass",
        metadata: { name: gatewayClassName, labels: partOf },
        spec: { controllerName: traefikControllerName },
    };
}

/** The lab's Gateway: one listener named `web` on Traefik's entry point with this port. */
export function gatewayObject(namespace: string, port = webPort): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "Gateway",
        metadata: { name: gatewayName, namespace, labels: partOf },
        spec: {
            gatewayClassName,
            listeners: [{ name: "web", protocol: "HTTP", port, allowedRoutes: { namespaces: { from: "Same" } } }],
        },
    };
}

export function traefikRouteRules(plan: LabPlan, namespace: string): Record<string, unknown>[] {
    if (isSticky(plan)) {
        return [{ backendRefs: [stickyBackend(namespace)] }];
    }
    return httpRouteRules(plan, { router: "Traefik", mirror: { via: "backend", backend: mirrorBackend }, anchorHeaderRegex: true });
}

export function httpRouteObject(plan: LabPlan, namespace: string): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "HTTPRoute",
        metadata: { name: `${appName}-route`, namespace, labels: partOf },
        spec: { parentRefs: [{ name: gatewayName, sectionName: "web" }], rules: traefikRouteRules(plan, namespace) },
    };
}

// canary.sticky on Traefik: a weighted round robin with a sticky cookie over 100 buckets, each bucket a
// TraefikService that sends to one release. Traefik draws a new user's bucket by the (equal) weights and
// sets the cookie to a hash of the bucket's name; from then on the cookie picks the bucket. A bucket
// below the weight sends to the candidate, the rest to stable: a raised weight re-points only the buckets
// it adds (their users move, no other), weight 0 points all to stable. Traefik's Kubernetes CRD provider
// reads these objects, so a step reaches Traefik as fast as an HTTPRoute change (the file provider's
// ConfigMap would take until the kubelet's next sync, up to a minute or more).

export const stickyServiceName = "lab-sticky";
export const traefikServiceApiVersion = "traefik.io/v1alpha1";

export function isSticky(plan: LabPlan): boolean {
    return plan.routing.kind === "split" && plan.routing.sticky === true && pairOf(plan) !== undefined;
}

/** The bucket's TraefikService name: lab-bucket-00 .. lab-bucket-99. */
export function bucketName(bucket: number): string {
    return `lab-bucket-${String(bucket).padStart(2, "0")}`;
}

/** The route's backend under sticky: the weighted service, by its CRD provider name (`<namespace>-<name>`). */
export function stickyBackend(namespace: string): BackendRef {
    return { group: "traefik.io", kind: "TraefikService", name: `${namespace}-${stickyServiceName}@kubernetescrd` };
}

/** The TraefikServices of a sticky split (none otherwise): the buckets, then the sticky weighted service. */
export function stickyObjects(plan: LabPlan, namespace: string): Record<string, any>[] {
    const pair = pairOf(plan);
    if (!isSticky(plan) || pair === undefined || plan.routing.kind !== "split") {
        return [];
    }
    const weight = plan.routing.candidateWeight;
    const object = (name: string, spec: Record<string, unknown>) => ({
        apiVersion: traefikServiceApiVersion,
        kind: "TraefikService",
        metadata: { name, namespace, labels: partOf },
        spec,
    });
    const buckets = Array.from({ length: stickyBuckets }, (_, b) =>
        object(bucketName(b), { weighted: { services: [{ name: (b < weight ? pair.candidate : pair.stable).name, port: 80, weight: 1 }] } }),
    );
    const sticky = object(stickyServiceName, {
        weighted: {
            // Lax and 30 days, as the HAProxy edge's bucket cookie.
            sticky: { cookie: { name: stickyCookie, httpOnly: true, sameSite: "lax", maxAge: 2592000 } },
            services: buckets.map((b) => ({ name: b.metadata.name, kind: "TraefikService", weight: 1 })),
        },
    });
    return [...buckets, sticky];
}

/**
 * The file provider's dynamic configuration: a mirroring service that sends every request to stable and
 * copies a percentage of them (bodies too) to the candidate, each release reached through its Service.
 * It is there whenever two releases run, copying 0% unless the routing is a mirror: the kubelet updates a
 * mounted ConfigMap only within about a minute, so a route switched to shadow must find the service
 * already defined (else Traefik answers 404 until the file arrives); the percentage follows when it does.
 */
export function dynamicConfig(plan: LabPlan, namespace: string): string {
    const pair = pairOf(plan);
    if (pair === undefined) {
        // A comment only: Traefik's file provider takes an empty document, but refuses an empty `http:`.
        return "# One release: nothing to mirror; the HTTPRoute does all the routing.\n";
    }
    const percent = plan.routing.kind === "mirror" ? plan.routing.percent : 0;
    const url = (name: string) => `http://${serviceHost(name, namespace)}:80`;
    const config = {
        http: {
            services: {
                [mirrorServiceName]: {
                    mirroring: { service: "lab-stable", mirrorBody: true, mirrors: [{ name: "lab-candidate", percent }] },
                },
                "lab-stable": { loadBalancer: { servers: [{ url: url(pair.stable.name) }] } },
                "lab-candidate": { loadBalancer: { servers: [{ url: url(pair.candidate.name) }] } },
            },
        },
    };
    const what = plan.routing.kind === "mirror" ? `Shadow: stable answers, ${percent}% of requests are copied to the candidate.` : "Not shadow: the HTTPRoute routes; this service waits, copying 0%, for a switch to shadow.";
    return `# ${what}\n${YAML.stringify(config)}`;
}
