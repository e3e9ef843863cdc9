import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import { LabCluster } from "../local/clusterAccess";
import { CrdBundle } from "../local/crdBundle";
import { AbMatch, LabPlan, Release, cookieRegex, pairOf, weightedSplit } from "../plan";

// A plan as Gateway API HTTPRoute rules, for every router that reads HTTPRoutes (Linkerd's GAMMA route
// on the app's Service, Traefik's and Istio's on a Gateway): weights split, header and cookie matches
// pick the candidate, and the last rule, with no match, takes every other request. Shadow is the
// RequestMirror filter with a percent (GEP-3171, Standard since v1.3) where the router implements it,
// or a mirroring backend of the router's own.

export const gatewayApiVersion = "gateway.networking.k8s.io/v1";

export type BackendRef = Record<string, unknown>;

export interface HttpRouteRuleOptions {
    /** The router's name, for the error when it is handed a routing it cannot render. */
    router: string;
    /**
     * How the router mirrors: by the RequestMirror filter with a percent (Istio), or through a
     * backend of its own that copies requests (Traefik's mirroring service). Without it, a mirror
     * routing is refused.
     */
    mirror?: { via: "filter" } | { via: "backend"; backend: BackendRef };
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
        const { mirror } = options;
        if (mirror === undefined) {
            // The declaration leaves mirror out, so config validation refuses shadow here first.
            throw new Error(`routing "mirror" cannot run on ${options.router}; allowed: single, switch, split, match`);
        }
        if (mirror.via === "backend") {
            return [{ backendRefs: [mirror.backend] }];
        }
        // Stable answers; the filter copies `percent` of requests to the candidate and drops its answers.
        return [
            {
                filters: [{ type: "RequestMirror", requestMirror: { backendRef: backendRef(pair.candidate), percent: routing.percent } }],
                backendRefs: [backendRef(pair.stable)],
            },
        ];
    }
    const weight = weightedSplit(routing) ?? 0;
    return [{ backendRefs: [backendRef(pair.stable, 100 - weight), backendRef(pair.candidate, weight)] }];
}

/** The Gateway API's standard CRDs where the stack installs them (gatewayApi.install), else nothing: one resource for the file (CrdBundle). */
export function gatewayApiCrds(name: string, config: LabConfig["gatewayApi"], cluster: LabCluster, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
    return config.install ? [new CrdBundle(name, { file: config.crds, key: "gatewayApi.crds", cluster }, opts)] : [];
}
