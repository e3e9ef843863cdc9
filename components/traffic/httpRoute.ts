import { AbMatch, Backend, RoutePlan, cookieRegex } from "./plan";

// The Gateway API HTTPRoute that Linkerd applies to requests for the app's Service (GAMMA: the route's
// parent is the Service itself, not a Gateway). Weights split, header/cookie matches pick the candidate,
// a RequestMirror filter copies requests. Linkerd 2.14+ reads gateway.networking.k8s.io/v1 routes.

export const gatewayApiVersion = "gateway.networking.k8s.io/v1";

function backendRef(b: Backend, weight?: number): Record<string, unknown> {
    return weight === undefined ? { name: b.service, port: 80 } : { name: b.service, port: 80, weight };
}

function headerMatch(m: AbMatch): Record<string, unknown> {
    if ("header" in m) {
        return { headers: [{ type: m.header.regex ? "RegularExpression" : "Exact", name: m.header.name, value: m.header.value }] };
    }
    // Gateway API has no cookie match: match the Cookie header instead.
    return { headers: [{ type: "RegularExpression", name: "Cookie", value: cookieRegex(m.cookie) }] };
}

/** The route's rules for a plan; the last rule has no match, so it takes every other request. */
export function httpRouteRules(plan: RoutePlan): Record<string, unknown>[] {
    const { stable, candidate } = plan;
    if (candidate === undefined) {
        return [{ backendRefs: [backendRef(stable)] }];
    }
    if (plan.matches !== undefined) {
        return [
            { matches: plan.matches.map(headerMatch), backendRefs: [backendRef(candidate)] },
            { backendRefs: [backendRef(stable)] },
        ];
    }
    if (plan.mirrorPercent !== undefined) {
        // Linkerd's policy controller rejects a RequestMirror filter (linkerd2#4385 is still open), and
        // config validation refuses shadow with traffic linkerd; this guards a future table change.
        throw new Error('strategy "shadow" cannot run on Linkerd (no RequestMirror support); allowed providers: nginx, istio');
    }
    return [{ backendRefs: [backendRef(stable, 100 - plan.candidateWeight), backendRef(candidate, plan.candidateWeight)] }];
}

/** The whole HTTPRoute object (apiVersion, kind, metadata, spec). */
export function httpRouteObject(plan: RoutePlan, namespace: string): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "HTTPRoute",
        metadata: { name: `${plan.parentService}-route`, namespace, labels: { "app.kubernetes.io/part-of": "rollout-lab" } },
        spec: {
            parentRefs: [{ group: "core", kind: "Service", name: plan.parentService, port: 80 }],
            rules: httpRouteRules(plan),
        },
    };
}
