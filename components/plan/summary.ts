import { LabPlan, sharesOf } from "./labPlan";
import { AbMatch, weightedSplit } from "./routing";
import { Release } from "./releases";
import { TrafficProvider } from "../vocabulary";

/** What the stack output `routing` says about where requests go. */
export interface RoutingSummary {
    strategy: LabPlan["strategy"];
    traffic: TrafficProvider;
    /** Each release with its version, replicas and the share of ordinary requests it should get. */
    workloads: { name: string; version: string; color: string; replicas: number; expectedShare: number }[];
    /** Kubernetes: the Service selector in effect. */
    serviceSelector?: Record<string, string>;
    /** Ingress or mesh routing: the candidate's weight, the A/B matches that pick it, the mirrored share. */
    route?: { candidateWeight?: number; matches?: AbMatch[]; mirrorPercent?: number };
    /** What the lab did that the stack file does not say (a replica split that took more replicas to give the weight exactly). */
    note?: string;
    /** Swarm: the edge proxy and where its stats page is. */
    edge?: { kind: string; statsUrl: string };
}

/** The summary's releases and shares, from the plan's share rule; `nameOf` names a release as its platform does. */
export function summarizePlan(plan: LabPlan, traffic: TrafficProvider, nameOf: (r: Release) => string = (r) => r.name): Pick<RoutingSummary, "strategy" | "traffic" | "workloads" | "note"> {
    return {
        ...(plan.note !== undefined ? { note: plan.note } : {}),
        strategy: plan.strategy,
        traffic,
        workloads: sharesOf(plan).map(({ release, share }) => ({
            name: nameOf(release),
            version: release.version,
            color: release.color,
            replicas: release.replicas,
            expectedShare: share,
        })),
    };
}

/** A router's rules in the summary's words: the weight where it splits by chance, the matches, the mirrored share. */
export function routeOf(plan: LabPlan): NonNullable<RoutingSummary["route"]> {
    const weight = weightedSplit(plan.routing);
    const { routing } = plan;
    return {
        ...(weight !== undefined ? { candidateWeight: weight } : {}),
        ...(routing.kind === "match" ? { matches: routing.matches } : {}),
        ...(routing.kind === "mirror" ? { mirrorPercent: routing.percent } : {}),
    };
}
