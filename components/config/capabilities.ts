// Which strategies each traffic provider can run on each platform, and what this version of the lab has
// built so far. Config validation reads these tables, so an impossible or not-yet-built combination is
// refused before any resource is registered.

export const platforms = ["kind", "kubernetes", "swarm"] as const;
export const strategies = ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"] as const;
export const trafficProviders = ["native", "nginx", "linkerd", "istio", "haproxy"] as const;

export type Platform = (typeof platforms)[number];
export type Strategy = (typeof strategies)[number];
export type TrafficProvider = (typeof trafficProviders)[number];

const all = strategies;

/** What each provider can do on each platform, by design (DESIGN.md's strategy table). */
export const capabilities: Record<Platform, Partial<Record<TrafficProvider, readonly Strategy[]>>> = {
    kind: {
        // Service selectors and replica ratios: no header matching and no mirroring.
        native: ["recreate", "rolling", "bluegreen", "canary"],
        nginx: all,
        linkerd: all,
        istio: all,
    },
    kubernetes: {
        native: ["recreate", "rolling", "bluegreen", "canary"],
        nginx: all,
        linkerd: all,
        istio: all,
    },
    swarm: {
        // HAProxy at the edge routes by weight, colour, header or cookie; mirroring is NGINX's `mirror`.
        haproxy: ["recreate", "rolling", "bluegreen", "canary", "abtest"],
        nginx: ["shadow"],
    },
};

/** What this version of the lab has actually built, per platform. */
export const implemented: Record<Platform, readonly TrafficProvider[]> = {
    kind: ["native"],
    kubernetes: ["native"],
    swarm: ["haproxy", "nginx"],
};

export function providersOn(platform: Platform): TrafficProvider[] {
    return Object.keys(capabilities[platform]) as TrafficProvider[];
}

export function canRun(platform: Platform, provider: TrafficProvider, strategy: Strategy): boolean {
    return capabilities[platform][provider]?.includes(strategy) ?? false;
}

export function providersFor(strategy: Strategy, platform: Platform): TrafficProvider[] {
    return providersOn(platform).filter((p) => canRun(platform, p, strategy));
}

/** The provider a stack gets when it names none. */
export function defaultProvider(platform: Platform, strategy: Strategy): TrafficProvider {
    if (platform === "swarm") {
        return strategy === "shadow" ? "nginx" : "haproxy";
    }
    return "native";
}
