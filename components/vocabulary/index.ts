// The words every layer of the lab shares, and nothing else: no config parsing, no resources.

/** The stack config's namespace: keys are `rollout-lab:<path>`. */
export const configNamespace = "rollout-lab";

export const platforms = ["kind", "kubernetes", "swarm"] as const;
export const strategies = ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"] as const;
export const trafficProviders = ["native", "traefik", "nginx", "linkerd", "istio", "haproxy"] as const;

export type Platform = (typeof platforms)[number];
export type Strategy = (typeof strategies)[number];
export type TrafficProvider = (typeof trafficProviders)[number];

/** The config sections that belong to one router or another (a stack shows only its own router's). */
export const routerSections = ["traefik", "gatewayApi", "ingressNginx", "linkerd", "istio"] as const;
export type RouterSection = (typeof routerSections)[number];

/** What a release is to the rollout: the one users rely on, or the one being tried. */
export type Role = "stable" | "candidate";
/** blue runs the stable release, green the candidate, whatever the strategy: a colour names a role for people. */
export type Color = "blue" | "green";
export const colorOf: Record<Role, Color> = { stable: "blue", candidate: "green" };

/**
 * How requests reach the releases:
 * - single: one release runs and answers everything (recreate, rolling);
 * - switch: both run, the active one answers everything (blue/green);
 * - split: both answer, the candidate a percentage (canary);
 * - match: requests that match a rule go to the candidate, all others to stable (A/B);
 * - mirror: stable answers everything, a share of requests is copied to the candidate (shadow).
 */
export type RoutingKind = "single" | "switch" | "split" | "match" | "mirror";
export const routingKinds = ["single", "switch", "split", "match", "mirror"] as const;

/** What each strategy asks of the routing. */
export const routingKindOf: Record<Strategy, RoutingKind> = {
    recreate: "single",
    rolling: "single",
    bluegreen: "switch",
    canary: "split",
    abtest: "match",
    shadow: "mirror",
};

/** How a router splits requests between two releases: by their share of replicas (kube-proxy), or by a weight it applies. */
export type SplitMode = "replicas" | "weight";
