import { RouterDeclaration } from "../declaration";

/**
 * Service selectors and replica ratios: no header matching and no mirroring. The default on Kubernetes for
 * every strategy: where it cannot run one, the config error names the routers that can.
 */
export const nativeDeclaration: RouterDeclaration = {
    name: "native",
    engine: "kubernetes",
    reads: [],
    balancesPerConnection: true,
    releaseServices: false,
    splitsBy: "replicas",
    supports: ["single", "switch", "split"],
    defaultFor: ["single", "switch", "split", "match", "mirror"],
};
