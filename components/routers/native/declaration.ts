import { RouterDeclaration } from "../declaration";

/**
 * Service selectors and replica ratios: no header matching and no mirroring. The default on Kubernetes for
 * every strategy: where it cannot run one, the config error names the routers that can.
 */
export const nativeDeclaration: RouterDeclaration = {
    name: "native",
    engine: "kubernetes",
    limits: { noSticky: "kube-proxy picks a pod per connection: a Service can pin only a client address (sessionAffinity: ClientIP), not a user, and never moves a pinned one when the weight changes" },
    reads: [],
    balancesPerConnection: true,
    releaseServices: false,
    splitsBy: "replicas",
    supports: ["single", "switch", "split"],
    defaultFor: ["single", "switch", "split", "match", "mirror"],
    needsKubectl: (_settings, routing) => (routing === "switch" ? "a blue/green switch by Service selector waits for the Service's endpoints with kubectl" : undefined),
};
