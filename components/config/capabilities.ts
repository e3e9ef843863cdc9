// Which strategy each traffic provider can run, on which platforms, and what this version of the lab
// has built so far. Config validation reads these tables, so an impossible or not-yet-built combination
// is refused before any resource is registered.

export const platforms = ["kind", "kubernetes", "swarm"] as const;
export const strategies = ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"] as const;
export const trafficProviders = ["native", "nginx", "linkerd", "istio", "haproxy"] as const;

export type Platform = (typeof platforms)[number];
export type Strategy = (typeof strategies)[number];
export type TrafficProvider = (typeof trafficProviders)[number];

/** What each provider can do by design (DESIGN.md's strategy table). */
export const providerStrategies: Record<TrafficProvider, readonly Strategy[]> = {
    // Service selectors and replica ratios: no header matching and no mirroring.
    native: ["recreate", "rolling", "bluegreen", "canary"],
    nginx: ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"],
    linkerd: ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"],
    istio: ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"],
    haproxy: ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"],
};

/** Which providers run on which platform. */
export const platformProviders: Record<Platform, readonly TrafficProvider[]> = {
    kind: ["native", "nginx", "linkerd", "istio"],
    kubernetes: ["native", "nginx", "linkerd", "istio"],
    swarm: ["haproxy"],
};

export const defaultProvider: Record<Platform, TrafficProvider> = {
    kind: "native",
    kubernetes: "native",
    swarm: "haproxy",
};

/** What this version of the lab has actually built. Grows as the platform and provider issues land. */
export const implemented = {
    platforms: ["kind", "kubernetes"] as readonly Platform[],
    providers: ["native"] as readonly TrafficProvider[],
};

export function providersFor(strategy: Strategy, platform: Platform): TrafficProvider[] {
    return platformProviders[platform].filter((p) => providerStrategies[p].includes(strategy));
}
