import type { LabConfig } from "../config/schema";
import { LabPlan } from "../plan";
import { DeploymentOptions } from "./appWorkloads";

/** The settings the workloads read: how a single release is replaced, and the autoscaler. */
export type WorkloadSettings = Pick<LabConfig, "rolling" | "hpa">;

/**
 * How Kubernetes replaces a Deployment's pods when its release changes. A plan with one release
 * (recreate, rolling) replaces it the way the strategy says: all at once, or a few at a time with the
 * stack's `rolling` settings. Two releases side by side keep the default (25% surge, none unavailable):
 * there the routing, not the replacement, is the lesson.
 */
export function deploymentReplacement(plan: LabPlan, settings: WorkloadSettings): Omit<DeploymentOptions, "namespace"> {
    if (plan.routing.kind !== "single") {
        return {};
    }
    if (plan.replacement === "recreate") {
        return { strategy: { type: "Recreate" }, annotations: recreateAwait(plan, settings) };
    }
    const { rolling } = settings;
    return {
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: rolling.maxSurge, maxUnavailable: rolling.maxUnavailable } },
        minReadySeconds: rolling.minReadySeconds,
        progressDeadlineSeconds: rolling.progressDeadlineSeconds,
    };
}

/**
 * Pulumi's built-in Deployment await can end a Recreate update early: while the old pods stop and no new
 * ReplicaSet exists yet, the Deployment still carries the previous revision and its old conditions, and
 * the old ReplicaSet, scaled to 0, looks complete (seen on kind: `pulumi up` returned 6 s before the
 * first v2 pod answered). `pulumi.com/waitFor` replaces it with checks Pulumi only reads once the
 * controller has observed the new generation: every replica updated and available. With an autoscaler
 * the replica count is not known here, so the built-in await stays.
 */
function recreateAwait(plan: LabPlan, settings: WorkloadSettings): Record<string, string> | undefined {
    if (settings.hpa !== undefined) {
        return undefined;
    }
    const replicas = plan.releases[0].replicas;
    return {
        "pulumi.com/waitFor": JSON.stringify([`jsonpath={.status.updatedReplicas}=${replicas}`, `jsonpath={.status.availableReplicas}=${replicas}`]),
    };
}
