import { RouterDeclaration } from "../declaration";

/**
 * Gateway API HTTPRoute: weights and header matches. Linkerd rejects the RequestMirror filter
 * (linkerd/linkerd2#4385, open), so no mirror.
 */
export const linkerdDeclaration: RouterDeclaration = {
    name: "linkerd",
    engine: "kubernetes",
    limits: { noSticky: "not built for Linkerd yet (an HTTPRoute matching the bucket cookie; a new user's bucket needs a setter the lab does not have yet)" },
    reads: ["linkerd", "ingressNginx"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match"],
};
