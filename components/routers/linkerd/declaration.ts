import { RouterDeclaration } from "../declaration";

/**
 * Gateway API HTTPRoute: weights and header matches. Linkerd rejects the RequestMirror filter
 * (linkerd/linkerd2#4385, open), so no mirror.
 */
export const linkerdDeclaration: RouterDeclaration = {
    name: "linkerd",
    engine: "kubernetes",
    reads: ["linkerd", "ingressNginx"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match"],
};
