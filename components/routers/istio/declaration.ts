import { RouterDeclaration } from "../declaration";

/** VirtualService or Gateway API HTTPRoute (istio.routes): weights, header/cookie matches, mirror with a percentage. */
export const istioDeclaration: RouterDeclaration = {
    name: "istio",
    engine: "kubernetes",
    limits: { noSticky: "not built for Istio yet (routes matching the bucket cookie; a new user's bucket needs a setter the lab does not have yet)" },
    reads: ["istio"],
    needsMonitoring: { why: "Kiali reads the mesh's metrics from the lab's Prometheus", unless: { key: "istio.install", equals: false } },
    readsWhen: [{ section: "gatewayApi", key: "istio.routes", equals: "httpRoute" }],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match", "mirror"],
};
