import { RouterDeclaration } from "../declaration";

/**
 * Traefik's Gateway API provider: an HTTPRoute on a Gateway, with backend weights and header matches
 * (exact or regex; the cookie by a regex on the Cookie header). Traefik does not implement the
 * HTTPRoute RequestMirror filter (its conformance report), so shadow goes through its own mirroring
 * service, which takes a percentage, referenced from the route as a TraefikService backend. A sticky
 * canary goes through a weighted TraefikService with a sticky cookie over 100 buckets (its CRD provider).
 */
export const traefikDeclaration: RouterDeclaration = {
    name: "traefik",
    engine: "kubernetes",
    reads: ["traefik", "gatewayApi"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match", "mirror"],
    needsKubectl: (settings) => {
        const s = settings as { traefik?: { install?: boolean }; gatewayApi?: { install?: boolean } };
        return s.traefik?.install !== false && s.gatewayApi?.install !== false ? "the Gateway API's CRDs are applied with kubectl (gatewayApi.install)" : undefined;
    },
};
