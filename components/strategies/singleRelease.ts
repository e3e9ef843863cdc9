import * as pulumi from "@pulumi/pulumi";
import { StrategyArgs } from "./args";
import { AppStrategy } from "./appStrategy";
import { DeploymentOptions, Workload, appName, selectorLabels } from "./workload";

/**
 * recreate and rolling run one Deployment; `release` says whether it runs the stable or the candidate
 * release. Stepping the rollout is flipping `release`, which changes the pod template and makes
 * Kubernetes replace the pods the way the Deployment's strategy says.
 */
export function singleReleaseWorkload(args: Pick<StrategyArgs, "config" | "images">): Workload {
    const { config } = args;
    const isCandidate = config.release === "candidate";
    const release = isCandidate ? config.candidate : config.stable;
    return {
        name: appName,
        release,
        color: isCandidate ? "green" : "blue",
        track: "stable",
        replicas: release.replicas,
        image: isCandidate ? args.images.candidate : args.images.stable,
        matchLabels: {},
    };
}

/** How Kubernetes replaces the one Deployment's pods: all at once (recreate) or a few at a time (rolling). */
export function singleReleaseReplacement(config: StrategyArgs["config"]): Omit<DeploymentOptions, "namespace"> {
    if (config.strategy === "recreate") {
        return { strategy: { type: "Recreate" }, annotations: recreateAwait(config) };
    }
    const { rolling } = config;
    return {
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: rolling.maxSurge, maxUnavailable: rolling.maxUnavailable } },
        minReadySeconds: rolling.minReadySeconds,
        progressDeadlineSeconds: rolling.progressDeadlineSeconds,
    };
}

/** One Deployment behind one Service; subclasses say how Kubernetes replaces its pods. */
export abstract class SingleReleaseStrategy extends AppStrategy<"app"> {
    protected constructor(
        type: string,
        name: string,
        args: StrategyArgs,
        replacement: Omit<DeploymentOptions, "namespace">,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, args, { app: singleReleaseWorkload(args) }, { selector: selectorLabels, shareOf: () => 100, replacement }, opts);
    }
}

/**
 * Pulumi's built-in Deployment await can end a Recreate update early: while the old pods stop and no new
 * ReplicaSet exists yet, the Deployment still carries the previous revision and its old conditions, and
 * the old ReplicaSet, scaled to 0, looks complete (seen on kind: `pulumi up` returned 6 s before the
 * first v2 pod answered). `pulumi.com/waitFor` replaces it with checks Pulumi only reads once the
 * controller has observed the new generation: every replica updated and available. With an autoscaler
 * the replica count is not known here, so the built-in await stays.
 */
function recreateAwait(config: StrategyArgs["config"]): Record<string, string> | undefined {
    if (config.hpa !== undefined) {
        return undefined;
    }
    const replicas = (config.release === "candidate" ? config.candidate : config.stable).replicas;
    return {
        "pulumi.com/waitFor": JSON.stringify([`jsonpath={.status.updatedReplicas}=${replicas}`, `jsonpath={.status.availableReplicas}=${replicas}`]),
    };
}
