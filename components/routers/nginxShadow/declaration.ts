import { RouterDeclaration } from "../declaration";

/** NGINX at the Swarm edge, for shadow only: `mirror` copies requests, `split_clients` samples them. */
export const nginxShadowDeclaration: RouterDeclaration = {
    name: "nginx",
    engine: "swarm",
    limits: { noSticky: "the NGINX edge copies requests for shadow; it splits nothing" },
    reads: [],
    balancesPerConnection: false,
    splitsBy: "weight",
    supports: ["mirror"],
    defaultFor: ["mirror"],
};
