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
    limits: { mirrorsEverything: "ingress-nginx mirrors every request", noSticky: "ingress-nginx's session affinity keeps a user on the upstream they first reached ahead of the weight, so a raised weight moves none of stable's users and weight 0 sends none of the candidate's back; without it every request is drawn anew" },
};
