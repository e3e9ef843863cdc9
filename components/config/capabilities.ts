// Which strategies each traffic provider can run on each platform. Config validation reads this table,
// so an impossible combination is refused before any resource is registered.

export const platforms = ["kind", "kubernetes", "swarm"] as const;
export const strategies = ["recreate", "rolling", "bluegreen", "canary", "abtest", "shadow"] as const;
export const trafficProviders = ["native", "nginx", "linkerd", "istio", "haproxy"] as const;

export type Platform = (typeof platforms)[number];
export type Strategy = (typeof strategies)[number];
export type TrafficProvider = (typeof trafficProviders)[number];

const all = strategies;

const kubernetesCapabilities: Partial<Record<TrafficProvider, readonly Strategy[]>> = {
    // Service selectors and replica ratios: no header matching and no mirroring.
    native: ["recreate", "rolling", "bluegreen", "canary"],
    // ingress-nginx: canary-weight, canary-by-header/cookie, mirror-target.
    nginx: all,
    // Gateway API HTTPRoute: weights and header matches; Linkerd rejects the RequestMirror filter
    // (linkerd/linkerd2#4385, open), so no shadow.
    linkerd: ["recreate", "rolling", "bluegreen", "canary", "abtest"],
    // VirtualService: weights, header/cookie matches, mirror with a percentage.
    istio: all,
};

/** What each provider can do on each platform, by design (DESIGN.md's strategy table). */
export const capabilities: Record<Platform, Partial<Record<TrafficProvider, readonly Strategy[]>>> = {
    kind: kubernetesCapabilities,
    kubernetes: kubernetesCapabilities,
    swarm: {
        // HAProxy at the edge routes by weight, colour, header or cookie; mirroring is NGINX's `mirror`.
        haproxy: ["recreate", "rolling", "bluegreen", "canary", "abtest"],
        nginx: ["shadow"],
    },
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
