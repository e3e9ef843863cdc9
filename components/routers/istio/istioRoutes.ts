import { appName, serviceHost } from "../../kubernetes/appWorkloads";
import { AbMatch, LabPlan, Release, bucketCookieRegex, cookieRegex, pairOf, stickyBuckets, stickyCookieValue, weightedSplit } from "../../plan";

// Istio's routing for a plan: a DestinationRule that names each release a subset (by its pod labels) and
// a VirtualService on the lab's ingress gateway that weights, matches or mirrors between the subsets.

export const istioNetworkingVersion = "networking.istio.io/v1";
export const gatewayName = "lab-gateway";
/** The label the ingress gateway's pods carry (the gateway chart sets istio: <release name without "istio-">). */
export const gatewaySelector = { istio: "ingressgateway" };

/** A release as a subset of the parent Service; the subset is named after the release's role. */
function destination(r: Release, namespace: string): Record<string, unknown> {
    return { host: serviceHost(appName, namespace), subset: r.role, port: { number: 80 } };
}

function matchOf(m: AbMatch): Record<string, unknown> {
    if ("header" in m) {
        // Istio wants header names in lower case.
        return { headers: { [m.header.name.toLowerCase()]: m.header.regex ? { regex: m.header.value } : { exact: m.header.value } } };
    }
    return { headers: { cookie: { regex: cookieRegex(m.cookie) } } };
}

/** The VirtualService's http routes; the last has no match and takes every other request. */
export function virtualServiceHttp(plan: LabPlan, namespace: string): Record<string, unknown>[] {
    const pair = pairOf(plan);
    const { routing } = plan;
    const to = (r: Release, weight?: number) => (weight === undefined ? { destination: destination(r, namespace) } : { destination: destination(r, namespace), weight });
    if (pair === undefined) {
        return [{ name: "stable", route: [to(plan.releases[0])] }];
    }
    if (routing.kind === "match") {
        return [
            { name: "ab-candidate", match: routing.matches.map(matchOf), route: [to(pair.candidate)] },
            { name: "ab-stable", route: [to(pair.stable)] },
        ];
    }
    if (routing.kind === "mirror") {
        return [{ name: "shadow", route: [to(pair.stable)], mirror: destination(pair.candidate, namespace), mirrorPercentage: { value: routing.percent } }];
    }
    if (routing.kind === "split" && routing.sticky === true) {
        return stickyHttp(routing.candidateWeight, (r) => destination(r === "candidate" ? pair.candidate : pair.stable, namespace));
    }
    const weight = weightedSplit(routing) ?? 0;
    return [{ name: "split", route: [to(pair.stable, 100 - weight), to(pair.candidate, weight)] }];
}

/**
 * canary.sticky: a user's bucket cookie (0..99) below the weight goes to the candidate, any other bucket to
 * stable; a user without one (or with a value that is no bucket) gets one of 100 destinations of weight 1,
 * each setting its own bucket in the answer (a response header per destination) and sending where that
 * bucket belongs, so the first answer and every later one agree. A raised weight moves only the buckets it
 * adds; weight 0 sends every bucket to stable.
 */
function stickyHttp(weight: number, to: (role: "candidate" | "stable") => Record<string, unknown>): Record<string, unknown>[] {
    const byCookie = (name: string, from: number, until: number, role: "candidate" | "stable") =>
        from < until ? [{ name, match: [{ headers: { cookie: { regex: bucketCookieRegex(from, until) } } }], route: [{ destination: to(role) }] }] : [];
    const newUser = Array.from({ length: stickyBuckets }, (_, b) => ({
        destination: to(b < weight ? "candidate" : "stable"),
        weight: 1,
        headers: { response: { add: { "Set-Cookie": stickyCookieValue(b) } } },
    }));
    return [...byCookie("sticky-candidate", 0, weight, "candidate"), ...byCookie("sticky-stable", weight, stickyBuckets, "stable"), { name: "sticky-new-user", route: newUser }];
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

export function virtualServiceObject(plan: LabPlan, namespace: string): Record<string, any> {
    return {
        apiVersion: istioNetworkingVersion,
        kind: "VirtualService",
        metadata: { name: appName, namespace },
        spec: {
            // Any Host header at the gateway: students and the probe use 127.0.0.1:<port>.
            hosts: ["*"],
            gateways: [gatewayName],
            http: virtualServiceHttp(plan, namespace),
        },
    };
}

export function destinationRuleObject(plan: LabPlan, namespace: string): Record<string, any> {
    const subsets = plan.releases.map((r) => ({ name: r.role, labels: subsetLabels(r) }));
    return {
        apiVersion: istioNetworkingVersion,
        kind: "DestinationRule",
        metadata: { name: appName, namespace },
        spec: { host: serviceHost(appName, namespace), subsets },
    };
}

/** The labels that pick one release's pods out of the parent Service's. */
function subsetLabels(r: Release): Record<string, string> {
    return Object.keys(r.selector).length > 0 ? r.selector : { "rollout-lab/color": r.color };
}
