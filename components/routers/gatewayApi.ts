import { AbMatch, LabPlan, Release, cookieRegex, pairOf, weightedSplit } from "../plan";

// A plan as Gateway API HTTPRoute rules, for every router that reads HTTPRoutes (Linkerd's GAMMA route
// on the app's Service, Traefik's on its Gateway): weights split, header and cookie matches pick the
// candidate, and the last rule, with no match, takes every other request.

export const gatewayApiVersion = "gateway.networking.k8s.io/v1";

export type BackendRef = Record<string, unknown>;

export interface HttpRouteRuleOptions {
    /** The router's name, for the error when it is handed a routing it cannot render. */
    router: string;
    /**
     * The backend a mirror routing sends requests to, where the router mirrors through a backend of
     * its own (Traefik's mirroring service). Without it, a mirror routing is refused.
     */
    mirrorBackend?: BackendRef;
    /**
     * The router's RegularExpression header match finds the expression anywhere in the value (Traefik's
     * HeaderRegexp is Go's regexp.MatchString): anchor it, since the lab's A/B regex must match the
     * whole value.
     */
    anchorHeaderRegex?: boolean;
}

export function backendRef(r: Release, weight?: number): BackendRef {
    return weight === undefined ? { name: r.name, port: 80 } : { name: r.name, port: 80, weight };
}

function headerMatch(m: AbMatch, anchor: boolean): Record<string, unknown> {
    if ("header" in m) {
        const { name, value, regex } = m.header;
        return { headers: [{ type: regex ? "RegularExpression" : "Exact", name, value: regex && anchor ? `^(?:${value})$` : value }] };
    }
    // Gateway API has no cookie match: match the Cookie header instead (the expression is anchored).
    return { headers: [{ type: "RegularExpression", name: "Cookie", value: cookieRegex(m.cookie) }] };
}

/** The route's rules for a plan. */
export function httpRouteRules(plan: LabPlan, options: HttpRouteRuleOptions): Record<string, unknown>[] {
    const pair = pairOf(plan);
    const { routing } = plan;
    if (pair === undefined) {
        return [{ backendRefs: [backendRef(plan.releases[0])] }];
    }
    if (routing.kind === "match") {
        return [
            { matches: routing.matches.map((m) => headerMatch(m, options.anchorHeaderRegex ?? false)), backendRefs: [backendRef(pair.candidate)] },
            { backendRefs: [backendRef(pair.stable)] },
        ];
    }
    if (routing.kind === "mirror") {
        if (options.mirrorBackend === undefined) {
            // The declaration leaves mirror out, so config validation refuses shadow here first.
            throw new Error(`routing "mirror" cannot run on ${options.router}; allowed: single, switch, split, match`);
        }
        return [{ backendRefs: [options.mirrorBackend] }];
    }
    const weight = weightedSplit(routing) ?? 0;
    return [{ backendRefs: [backendRef(pair.stable, 100 - weight), backendRef(pair.candidate, weight)] }];
}
