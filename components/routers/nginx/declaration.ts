import { RouterDeclaration } from "../declaration";

/** ingress-nginx: canary-weight, canary-by-header/cookie, mirror-target. */
export const nginxDeclaration: RouterDeclaration = {
    name: "nginx",
    engine: "kubernetes",
    reads: ["ingressNginx"],
    balancesPerConnection: false,
    releaseServices: true,
    splitsBy: "weight",
    supports: ["single", "switch", "split", "match", "mirror"],
    limits: { mirrorsEverything: "ingress-nginx mirrors every request", noSticky: "ingress-nginx falls back to the weight for every request its canary rules do not match, so a stable user would be re-drawn on every request" },
};
