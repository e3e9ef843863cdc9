import type { LabConfig } from "../config/schema";
import { Release, releasesFor } from "./releases";
import { Routing, routingFor } from "./routing";
import { expectedShare } from "./shares";
import { Role, SplitMode, Strategy } from "../vocabulary";

/**
 * What a stack's strategy means, decided once: the releases that run (role, version, replicas, image tag,
 * behaviour), where requests go, and how a release replaces its copies. Routers render it; nothing else
 * reads the strategy's settings.
 */
export interface LabPlan {
    strategy: Strategy;
    routing: Routing;
    /** How the router that renders this plan splits requests, which decides the replica counts. */
    splitsBy: SplitMode;
    /** Stable first. */
    releases: Release[];
    /** How a release's copies are replaced when it changes: all at once, or a few at a time. */
    replacement: "recreate" | "rolling";
    /** What the lab did that the stack file does not say, for the preview and the outputs (a replica split's total). */
    note?: string;
}

export function labPlan(config: LabConfig, splitsBy: SplitMode): LabPlan {
    const routing = routingFor(config);
    const releases = releasesFor(config, routing, splitsBy);
    const total = releases.reduce((n, r) => n + r.replicas, 0);
    const resized = routing.kind === "split" && splitsBy === "replicas" && total !== config.canary.totalReplicas;
    return {
        strategy: config.strategy,
        routing,
        splitsBy,
        releases,
        replacement: config.strategy === "recreate" ? "recreate" : "rolling",
        ...(resized
            ? {
                  note:
                      `canary.weight ${routing.candidateWeight} is not a whole number of pods of canary.totalReplicas ${config.canary.totalReplicas}: ` +
                      `${total} replicas (${releases[0].replicas} stable + ${releases[1].replicas} candidate) give exactly ${routing.candidateWeight}%`,
              }
            : {}),
    };
}

/** The release with this role, if the plan runs it. */
export function releaseWith(plan: LabPlan, role: Role): Release | undefined {
    return plan.releases.find((r) => r.role === role);
}

/** Each release with the percent of ordinary requests it should answer. */
export function sharesOf(plan: LabPlan): { release: Release; share: number }[] {
    return plan.releases.map((release) => ({ release, share: expectedShare(plan.routing, plan.splitsBy, plan.releases, release) }));
}

/** A plan's stable and candidate releases side by side; undefined where one release runs alone (single). */
export function pairOf(plan: LabPlan): { stable: Release; candidate: Release } | undefined {
    const stable = releaseWith(plan, "stable");
    const candidate = releaseWith(plan, "candidate");
    return plan.routing.kind === "single" || stable === undefined || candidate === undefined ? undefined : { stable, candidate };
}
