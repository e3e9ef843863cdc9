import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import { blueGreenWorkloads } from "../strategies/blueGreen";
import { singleReleaseWorkload } from "../strategies/singleRelease";
import { trackWorkloads } from "../strategies/canary";
import { Track, Workload, appName } from "../strategies/workload";

// What a routed strategy asks of the network, independent of who does the routing (an ingress or a
// mesh): which workloads run, and how requests reach them. Every provider turns the same plan into its
// own objects, so the plan is where "canary 10%" or "A/B by header" is decided once.

/** One release the router can send requests to: its workload and the Service that selects only its pods. */
export interface Backend {
    workload: Workload;
    /** The per-release Service (ClusterIP, port 80). */
    service: string;
    /** Name of the release in the router's own terms: Istio subset, ingress role. */
    subset: "stable" | "candidate";
}

export type ReleaseImages = { stable: pulumi.Input<string>; candidate: pulumi.Input<string> };

/** A/B: a header whose value equals `value` (or matches it as a regular expression), or a cookie set to "always". */
export type AbMatch = { header: { name: string; value: string; regex: boolean } } | { cookie: string };

export interface RoutePlan {
    strategy: LabConfig["strategy"];
    /** The Service every client addresses; the mesh route attaches to it, the ingress sends to it. */
    parentService: string;
    stable: Backend;
    /** Absent for recreate and rolling: one Deployment, no split. */
    candidate?: Backend;
    /** Percent of ordinary requests the candidate answers (canary weight; 0 or 100 for blue/green). */
    candidateWeight: number;
    /** A/B: requests that match any of these go to the candidate, all others to stable. */
    matches?: AbMatch[];
    /** Shadow: percent of requests copied to the candidate; its answers are thrown away. */
    mirrorPercent?: number;
}

/** The cookie value that sends a request to the candidate, as ingress-nginx's canary-by-cookie defines it. */
export const abCookieValue = "always";

/** A regular expression for a Cookie header that carries `<name>=always` among any other cookies. */
export function cookieRegex(name: string): string {
    return `^(.*;\\s*)?${name}=${abCookieValue}(;.*)?$`;
}

function backend(workload: Workload, subset: Backend["subset"]): Backend {
    return { workload, service: workload.name, subset };
}

/**
 * Two releases side by side, each with its own replica count: under a router the candidate's share is a
 * weight, not a share of pods, so one candidate pod can take 10% or 90%.
 */
function routedTracks(config: LabConfig, images: ReleaseImages): Record<Track, Workload> {
    return trackWorkloads({ config, images }, { stable: config.stable.replicas, canary: config.candidate.replicas });
}

/** The routing plan of a stack whose traffic goes through an ingress or a mesh. */
export function routePlan(config: LabConfig, images: ReleaseImages): RoutePlan {
    const base = { strategy: config.strategy, parentService: appName };
    switch (config.strategy) {
        case "recreate":
        case "rolling": {
            // The one Deployment is named like the parent Service; it is its own (only) backend.
            const w = singleReleaseWorkload({ config, images });
            return { ...base, stable: { workload: w, service: appName, subset: "stable" }, candidateWeight: 0 };
        }
        case "bluegreen": {
            const { blue, green } = blueGreenWorkloads({ config, images });
            // Blue/green as a 0/100 route: both colours stay up; the weight says which one answers.
            return {
                ...base,
                stable: backend(blue, "stable"),
                candidate: backend(green, "candidate"),
                candidateWeight: config.bluegreen.activeColor === "green" ? 100 : 0,
            };
        }
        case "canary": {
            const t = routedTracks(config, images);
            return { ...base, stable: backend(t.stable, "stable"), candidate: backend(t.canary, "candidate"), candidateWeight: config.canary.weight };
        }
        case "abtest": {
            const t = routedTracks(config, images);
            const ab = config.abtest!;
            const matches: AbMatch[] = [];
            if (ab.header !== undefined && ab.value !== undefined) {
                matches.push({ header: { name: ab.header, value: ab.value, regex: ab.valueMatch === "regex" } });
            }
            if (ab.cookie !== undefined) {
                matches.push({ cookie: ab.cookie });
            }
            return { ...base, stable: backend(t.stable, "stable"), candidate: backend(t.canary, "candidate"), candidateWeight: 0, matches };
        }
        case "shadow": {
            const t = routedTracks(config, images);
            return {
                ...base,
                stable: backend(t.stable, "stable"),
                candidate: backend(t.canary, "candidate"),
                candidateWeight: 0,
                mirrorPercent: config.shadow.percent,
            };
        }
    }
}

/** The backends of a plan, stable first. */
export function backendsOf(plan: RoutePlan): Backend[] {
    return plan.candidate ? [plan.stable, plan.candidate] : [plan.stable];
}

/** In-cluster URL of a Service's port 80. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
