import { RouterSection, RoutingKind, SplitMode, TrafficProvider } from "../vocabulary";

/** Which engine a router runs on: kind and an existing cluster are both Kubernetes. */
export type Engine = "kubernetes" | "swarm";

/**
 * What a router says about itself; the config's capability check is derived from these and nothing
 * else. A limit names why, for the error message.
 */
export interface RouterDeclaration {
    /** The `traffic` value that picks it. */
    name: TrafficProvider;
    engine: Engine;
    /** How it splits requests between two releases; decides the plan's replica counts. */
    splitsBy: SplitMode;
    /** The routing kinds it renders. */
    supports: readonly RoutingKind[];
    /** Where it cannot do all a routing kind allows, and why. */
    limits?: {
        /** A/B by a regular expression on the header value. */
        noHeaderRegex?: string;
        /** Mirroring copies every request: shadow.percent must be 100. */
        mirrorsEverything?: string;
        /** It cannot keep a user on one version (canary.sticky), and why. */
        noSticky?: string;
        /** It cannot keep a user on one version under one of its own settings, and why. */
        noStickyWhen?: { key: string; equals: string; why: string };
    };
    /** It needs the lab's monitoring on (a mesh's addons read its Prometheus), and why; `unless` a setting of its own says so. */
    needsMonitoring?: { why: string; unless?: { key: string; equals: boolean } };
    /** The config sections of its own it reads; `lab config` shows a stack these and no other router's. */
    reads: readonly RouterSection[];
    /** A section it reads only under one of its settings ("istio.routes" "httpRoute": the Gateway API's). */
    readsWhen?: readonly { section: RouterSection; key: string; equals: string }[];
    /** Kubernetes: the app gets a Service per release and one over all, for its rules to name (RoutedApp); else the Deployments alone. */
    releaseServices?: boolean;
    /** Its entry picks a backend per TCP connection (kube-proxy behind a NodePort), not per request: a probe must open a connection per request. */
    balancesPerConnection: boolean;
    /** The router a stack on this engine gets when it names none, for these routing kinds. */
    defaultFor?: readonly RoutingKind[];
    /**
     * Why its `up` runs kubectl on this machine under these settings (a switch's wait, CRD files), or
     * undefined: the root checks for kubectl before anything is registered. `settings` are the sections it reads.
     */
    needsKubectl?: (settings: Record<string, unknown>, routing: RoutingKind) => string | undefined;
}
