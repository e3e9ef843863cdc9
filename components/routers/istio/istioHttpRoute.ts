import { appName } from "../../kubernetes/appWorkloads";
import { LabPlan } from "../../plan";
import { gatewayApiVersion, httpRouteRules } from "../gatewayApi";

// istio.routes httpRoute: the same plan written in the Gateway API instead of Istio's own objects. The
// Gateway is bound to the ingress gateway the chart installed (Istio's "manual deployment": one address
// of type Hostname, the gateway Service's name), so the lab's entry port and pods stay as they are; the
// HTTPRoute's backends are the releases' own Services. Shadow is the RequestMirror filter with a percent
// (GEP-3171), which Istio implements (it advertises HTTPRouteRequestPercentageMirror since 1.24).

export const gatewayClassName = "istio";
export const gatewayApiGatewayName = "lab-gateway";
const listenerName = "http";
const partOf = { "app.kubernetes.io/part-of": "rollout-lab" };

/**
 * The Gateway, in the ingress gateway's namespace (beside its Service), taking routes from the lab's
 * namespace only.
 */
export function istioGatewayApiGateway(gateway: { namespace: string; name: string }, appNamespace: string): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "Gateway",
        metadata: { name: gatewayApiGatewayName, namespace: gateway.namespace, labels: partOf },
        spec: {
            gatewayClassName,
            addresses: [{ type: "Hostname", value: `${gateway.name}.${gateway.namespace}.svc.cluster.local` }],
            listeners: [
                {
                    name: listenerName,
                    port: 80,
                    protocol: "HTTP",
                    allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": appNamespace } } } },
                },
            ],
        },
    };
}

/** Istio's HTTPRoute rules: Envoy matches a header regex against the whole value, so no anchors. */
export function istioHttpRouteRules(plan: LabPlan): Record<string, unknown>[] {
    return httpRouteRules(plan, { router: "Istio", mirror: { via: "filter" } });
}

export function istioHttpRouteObject(plan: LabPlan, appNamespace: string, gatewayNamespace: string): Record<string, any> {
    return {
        apiVersion: gatewayApiVersion,
        kind: "HTTPRoute",
        metadata: { name: `${appName}-route`, namespace: appNamespace, labels: partOf },
        spec: {
            parentRefs: [{ name: gatewayApiGatewayName, namespace: gatewayNamespace, sectionName: listenerName }],
            rules: istioHttpRouteRules(plan),
        },
    };
}
