import type { AppVersionConfig, LabConfig } from "../config/schema";
import { Routing } from "./routing";
import { Color, Role, SplitMode, colorOf } from "../vocabulary";
import { ReplicaSplit, exactReplicaSplit } from "../vocabulary/replicaSplit";

/** One release of the demo app as it should run: what it is, how many copies, and how it behaves. */
export interface Release {
    role: Role;
    color: Color;
    /** The Deployment's or Swarm service's name: demo-app alone, demo-blue/demo-green, demo-stable/demo-canary. */
    name: string;
    version: string;
    imageTag: string;
    replicas: number;
    /** How the app misbehaves on purpose: a bad or slow release, a slow start. */
    behaviour: Pick<AppVersionConfig, "errorRate" | "latencyMs" | "readyDelayMs"> & LabConfig["app"]["shutdown"];
    /**
     * Labels that tell this release's pods from the other release's (none when it runs alone). A
     * Deployment's selector cannot change, so these keep the names the lab has always used.
     */
    selector: Record<string, string>;
}

export { ReplicaSplit, exactReplicaSplit, nearestExactWeights } from "../vocabulary/replicaSplit";

/** The replica split of a canary by replica ratio; throws when the weight cannot be given exactly (the config check refuses it first). */
export function canaryReplicaSplit(weight: number, canary: { totalReplicas: number; maxTotalReplicas: number }): ReplicaSplit {
    const split = exactReplicaSplit(weight, canary.totalReplicas, canary.maxTotalReplicas);
    if (split === undefined) {
        throw new Error(`canary.weight ${weight} cannot be split exactly over ${canary.totalReplicas} to ${canary.maxTotalReplicas} replicas`);
    }
    return split;
}

function release(config: LabConfig, role: Role, name: string, replicas: number, selector: Record<string, string>): Release {
    const app = role === "stable" ? config.stable : config.candidate;
    return {
        role,
        color: colorOf[role],
        name,
        version: app.version,
        imageTag: app.imageTag,
        replicas,
        behaviour: { errorRate: app.errorRate, latencyMs: app.latencyMs, readyDelayMs: app.readyDelayMs, ...config.app.shutdown },
        selector,
    };
}

/**
 * The releases a routing runs, with their replica counts; the only place replica counts are decided.
 * - single: the live release alone, its own replicas;
 * - switch: both colours, each its own replicas; the idle one 0 with bluegreen.scaleIdleToZero;
 * - split by replicas: the weight exactly, over canary.totalReplicas or the fewest more (canaryReplicaSplit);
 * - split by weight, match, mirror: both releases, each its own replicas (one candidate copy can take 90%).
 */
export function releasesFor(config: LabConfig, routing: Routing, splitsBy: SplitMode): Release[] {
    const own = (role: Role) => (role === "stable" ? config.stable.replicas : config.candidate.replicas);
    const track = (role: Role) => ({ "rollout-lab/track": role === "stable" ? "stable" : "canary" });
    switch (routing.kind) {
        case "single":
            return [release(config, routing.live, "demo-app", own(routing.live), {})];
        case "switch": {
            const replicas = (role: Role) => (config.bluegreen.scaleIdleToZero && role !== routing.active ? 0 : own(role));
            return (["stable", "candidate"] as const).map((role) =>
                release(config, role, `demo-${colorOf[role]}`, replicas(role), { "rollout-lab/color": colorOf[role] }),
            );
        }
        default: {
            const sizes = routing.kind === "split" && splitsBy === "replicas" ? canaryReplicaSplit(routing.candidateWeight, config.canary) : { stable: own("stable"), candidate: own("candidate") };
            return [release(config, "stable", "demo-stable", sizes.stable, track("stable")), release(config, "candidate", "demo-canary", sizes.candidate, track("candidate"))];
        }
    }
}
