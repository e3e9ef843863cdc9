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
    limits: { mirrorsEverything: "ingress-nginx mirrors every request" },
};
