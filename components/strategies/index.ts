import * as pulumi from "@pulumi/pulumi";
import { RoutingSummary, StrategyArgs } from "./args";
import { BlueGreenStrategy } from "./blueGreen";
import { CanaryStrategy } from "./canary";
import { RecreateStrategy } from "./recreate";
import { RollingStrategy } from "./rolling";

export * from "./args";
export * from "./blueGreen";
export * from "./canary";
export * from "./recreate";
export * from "./rolling";
export * from "./swarmServices";
export * from "./workload";

/** Builds the component for the stack's strategy with native routing (Service selectors, replica ratios). */
export function nativeStrategy(
    name: string,
    args: StrategyArgs,
    opts?: pulumi.ComponentResourceOptions,
): pulumi.ComponentResource & { summary: RoutingSummary } {
    const strategy = args.config.strategy;
    switch (strategy) {
        case "recreate":
            return new RecreateStrategy(name, args, opts);
        case "rolling":
            return new RollingStrategy(name, args, opts);
        case "bluegreen":
            return new BlueGreenStrategy(name, args, opts);
        case "canary":
            return new CanaryStrategy(name, args, opts);
        default:
            // Config validation refuses these before we get here; this guards a future table change.
            throw new Error(`strategy "${strategy}" has no native implementation; allowed: recreate, rolling, bluegreen, canary`);
    }
}
