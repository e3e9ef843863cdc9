import { appName } from "../../kubernetes/appWorkloads";
import { LabPlan } from "../../plan";
import { gatewayApiVersion, httpRouteRules as gatewayRules } from "../gatewayApi";

// The Gateway API HTTPRoute that Linkerd applies to requests for the app's Service (GAMMA: the route's
// parent is the Service itself, not a Gateway). Linkerd 2.14+ reads gateway.networking.k8s.io/v1 routes.
// Linkerd's policy controller rejects a RequestMirror filter (linkerd/linkerd2#4385 is still open), so
// there is no mirror: the declaration leaves it out.

/** The route's rules for a plan; the last rule has no match, so it takes every other request. */
export function httpRouteRules(plan: LabPlan): Record<string, unknown>[] {
    return gatewayRules(plan, { router: "Linkerd" });
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
