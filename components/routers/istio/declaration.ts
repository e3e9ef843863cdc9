import { RouterDeclaration } from "../declaration";

/**
 * VirtualService or Gateway API HTTPRoute (istio.routes): weights, header/cookie matches, mirror with a
 * percentage; a sticky canary by the bucket cookie (VirtualService only).
 */
export const istioDeclaration: RouterDeclaration = {
    name: "istio",
    engine: "kubernetes",
    limits: {
        noStickyWhen: {
            key: "istio.routes",
            equals: "httpRoute",
            why: "a new user's bucket is set by one of 100 weighted destinations, and an HTTPRoute rule takes at most 16 backends",
        },
    },
    reads: ["istio"],
    needsMonitoring: { why: "Kiali reads the mesh's metrics from the lab's Prometheus", unless: { key: "istio.install", equals: false } },
    readsWhen: [{ section: "gatewayApi", key: "istio.routes", equals: "httpRoute" }],
    needsKubectl: (settings) => {
        const s = settings as { istio?: { routes?: string }; gatewayApi?: { install?: boolean } };
        return s.istio?.routes === "httpRoute" && s.gatewayApi?.install !== false ? "the Gateway API's CRDs are applied with kubectl (gatewayApi.install)" : undefined;
    },
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match", "mirror"],
};
