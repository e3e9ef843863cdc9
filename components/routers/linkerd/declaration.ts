import { RouterDeclaration } from "../declaration";

/**
 * Gateway API HTTPRoute: weights and header matches. Linkerd rejects the RequestMirror filter
 * (linkerd/linkerd2#4385, open), so no mirror.
 */
export const linkerdDeclaration: RouterDeclaration = {
    name: "linkerd",
    engine: "kubernetes",
    limits: { noSticky: "a new user's bucket would be set by one of 100 weighted backends, each adding its own cookie, and a Gateway API HTTPRoute rule takes at most 16 backends" },
    reads: ["linkerd", "ingressNginx"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match"],
};
