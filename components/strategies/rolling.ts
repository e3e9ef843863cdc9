import * as pulumi from "@pulumi/pulumi";
import { StrategyArgs } from "./args";
import { SingleReleaseStrategy, singleReleaseReplacement } from "./singleRelease";

/**
 * Pods are replaced a few at a time: at most maxSurge extra pods start, at most maxUnavailable are
 * missing, and a new pod counts as available only after minReadySeconds of passing its readiness probe.
 */
export class RollingStrategy extends SingleReleaseStrategy {
    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:strategies:Rolling", name, args, singleReleaseReplacement(args.config), opts);
    }
}
