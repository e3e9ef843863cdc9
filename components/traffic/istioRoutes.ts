import { AbMatch, Backend, RoutePlan, cookieRegex, serviceHost } from "./plan";

// Istio's routing for a plan: a DestinationRule that names each release a subset (by its pod labels) and
// a VirtualService on the lab's ingress gateway that weights, matches or mirrors between the subsets.

export const istioNetworkingVersion = "networking.istio.io/v1";
export const gatewayName = "lab-gateway";
/** The label the ingress gateway's pods carry (the gateway chart sets istio: <release name without "istio-">). */
export const gatewaySelector = { istio: "ingressgateway" };

function destination(plan: RoutePlan, b: Backend, namespace: string): Record<string, unknown> {
    return { host: serviceHost(plan.parentService, namespace), subset: b.subset, port: { number: 80 } };
}

function matchOf(m: AbMatch): Record<string, unknown> {
    if ("header" in m) {
        // Istio wants header names in lower case.
        return { headers: { [m.header.name.toLowerCase()]: m.header.regex ? { regex: m.header.value } : { exact: m.header.value } } };
    }
    return { headers: { cookie: { regex: cookieRegex(m.cookie) } } };
}

/** The VirtualService's http routes; the last has no match and takes every other request. */
export function virtualServiceHttp(plan: RoutePlan, namespace: string): Record<string, unknown>[] {
    const { stable, candidate } = plan;
    const to = (b: Backend, weight?: number) => (weight === undefined ? { destination: destination(plan, b, namespace) } : { destination: destination(plan, b, namespace), weight });
    if (candidate === undefined) {
        return [{ name: "stable", route: [to(stable)] }];
    }
    if (plan.matches !== undefined) {
        return [
            { name: "ab-candidate", match: plan.matches.map(matchOf), route: [to(candidate)] },
            { name: "ab-stable", route: [to(stable)] },
        ];
    }
    if (plan.mirrorPercent !== undefined) {
        return [
            {
                name: "shadow",
                route: [to(stable)],
                mirror: destination(plan, candidate, namespace),
                mirrorPercentage: { value: plan.mirrorPercent },
            },
        ];
    }
    return [{ name: "split", route: [to(stable, 100 - plan.candidateWeight), to(candidate, plan.candidateWeight)] }];
}

export function gatewayObject(namespace: string): Record<string, any> {
    return {
        apiVersion: istioNetworkingVersion,
        kind: "Gateway",
        metadata: { name: gatewayName, namespace },
        spec: {
            selector: gatewaySelector,
            servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
        },
    };
}

export function virtualServiceObject(plan: RoutePlan, namespace: string): Record<string, any> {
    return {
        apiVersion: istioNetworkingVersion,
        kind: "VirtualService",
        metadata: { name: plan.parentService, namespace },
        spec: {
            // Any Host header at the gateway: students and the probe use 127.0.0.1:<port>.
            hosts: ["*"],
            gateways: [gatewayName],
            http: virtualServiceHttp(plan, namespace),
        },
    };
}

export function destinationRuleObject(plan: RoutePlan, namespace: string): Record<string, any> {
    const subsets = (plan.candidate ? [plan.stable, plan.candidate] : [plan.stable]).map((b) => ({
        name: b.subset,
        labels: subsetLabels(b),
    }));
    return {
        apiVersion: istioNetworkingVersion,
        kind: "DestinationRule",
        metadata: { name: plan.parentService, namespace },
        spec: { host: serviceHost(plan.parentService, namespace), subsets },
    };
}

/** The labels that pick one release's pods out of the parent Service's. */
function subsetLabels(b: Backend): Record<string, string> {
    return Object.keys(b.workload.matchLabels).length > 0 ? b.workload.matchLabels : { "rollout-lab/color": b.workload.color };
}
