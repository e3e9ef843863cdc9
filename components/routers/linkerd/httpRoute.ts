import { appName } from "../../kubernetes/appWorkloads";
import { AbMatch, LabPlan, Release, cookieRegex, pairOf, weightedSplit } from "../../plan";

// The Gateway API HTTPRoute that Linkerd applies to requests for the app's Service (GAMMA: the route's
// parent is the Service itself, not a Gateway). Weights split, header/cookie matches pick the candidate,
// a RequestMirror filter copies requests. Linkerd 2.14+ reads gateway.networking.k8s.io/v1 routes.

export const gatewayApiVersion = "gateway.networking.k8s.io/v1";

function backendRef(r: Release, weight?: number): Record<string, unknown> {
    return weight === undefined ? { name: r.name, port: 80 } : { name: r.name, port: 80, weight };
}

function headerMatch(m: AbMatch): Record<string, unknown> {
    if ("header" in m) {
        return { headers: [{ type: m.header.regex ? "RegularExpression" : "Exact", name: m.header.name, value: m.header.value }] };
    }
    // Gateway API has no cookie match: match the Cookie header instead.
    return { headers: [{ type: "RegularExpression", name: "Cookie", value: cookieRegex(m.cookie) }] };
}

/** The route's rules for a plan; the last rule has no match, so it takes every other request. */
export function httpRouteRules(plan: LabPlan): Record<string, unknown>[] {
    const pair = pairOf(plan);
    const { routing } = plan;
    if (pair === undefined) {
        return [{ backendRefs: [backendRef(plan.releases[0])] }];
    }
    if (routing.kind === "match") {
        return [
            { matches: routing.matches.map(headerMatch), backendRefs: [backendRef(pair.candidate)] },
            { backendRefs: [backendRef(pair.stable)] },
        ];
    }
    const weight = weightedSplit(routing);
    if (weight === undefined) {
        // Linkerd's policy controller rejects a RequestMirror filter (linkerd2#4385 is still open): the
        // declaration leaves mirror out, so config validation refuses shadow here first.
        throw new Error(`routing "${routing.kind}" cannot run on Linkerd; allowed: single, switch, split, match`);
    }
    return [{ backendRefs: [backendRef(pair.stable, 100 - weight), backendRef(pair.candidate, weight)] }];
}

/** The whole HTTPRoute object (apiVersion, kind, metadata, spec). */
export function httpRouteObject(plan: LabPlan, namespace: string): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "HTTPRoute",
        metadata: { name: `${appName}-route`, namespace, labels: { "app.kubernetes.io/part-of": "rollout-lab" } },
        spec: {
            parentRefs: [{ group: "core", kind: "Service", name: appName, port: 80 }],
            rules: httpRouteRules(plan),
        },
    };
}
