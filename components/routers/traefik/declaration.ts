import { RouterDeclaration } from "../declaration";

/**
 * Traefik's Gateway API provider: an HTTPRoute on a Gateway, with backend weights and header matches
 * (exact or regex; the cookie by a regex on the Cookie header). Traefik does not implement the
 * HTTPRoute RequestMirror filter (its conformance report), so shadow goes through its own mirroring
 * service, which takes a percentage, referenced from the route as a TraefikService backend.
 */
export const traefikDeclaration: RouterDeclaration = {
    name: "traefik",
    engine: "kubernetes",
    limits: { noSticky: "not built for Traefik yet (its routes would match the bucket cookie by regular expression; a new user's bucket needs a setter the lab does not have yet)" },
    reads: ["traefik", "gatewayApi"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match", "mirror"],
};
