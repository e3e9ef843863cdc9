import * as pulumi from "@pulumi/pulumi";
import { StrategyArgs } from "./args";
import { SingleReleaseStrategy, singleReleaseReplacement } from "./singleRelease";

/** All old pods stop before any new pod starts: simple, and it shows the downtime window. */
export class RecreateStrategy extends SingleReleaseStrategy {
    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:strategies:Recreate", name, args, singleReleaseReplacement(args.config), opts);
    }
}
