import { RouterDeclaration } from "../declaration";

/** NGINX at the Swarm edge, for shadow only: `mirror` copies requests, `split_clients` samples them. */
export const nginxShadowDeclaration: RouterDeclaration = {
    name: "nginx",
    engine: "swarm",
    reads: [],
    balancesPerConnection: false,
    splitsBy: "weight",
    supports: ["mirror"],
    defaultFor: ["mirror"],
};
