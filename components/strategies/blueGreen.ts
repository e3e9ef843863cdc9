import * as pulumi from "@pulumi/pulumi";
import { StrategyArgs } from "./args";
import { AppStrategy } from "./appStrategy";
import { Color, Workload, selectorLabels } from "./workload";

/**
 * Two full Deployments, blue (stable release) and green (candidate). The one Service's selector names
 * the active colour, so switching is one selector change and rolling back is the same change again.
 */
export class BlueGreenStrategy extends AppStrategy<Color> {
    constructor(name: string, args: StrategyArgs, opts?: pulumi.ComponentResourceOptions) {
        const active = args.config.bluegreen.activeColor;
        super("rollout-lab:strategies:BlueGreen", name, args, blueGreenWorkloads(args), {
            selector: { ...selectorLabels, "rollout-lab/color": active },
            shareOf: (w) => (w.color === active ? 100 : 0),
        }, opts);
    }
}

export function blueGreenWorkloads(args: Pick<StrategyArgs, "config" | "images">): Record<Color, Workload> {
    const { config } = args;
    const { activeColor, scaleIdleToZero } = config.bluegreen;
    const replicasFor = (color: Color, wanted: number) => (scaleIdleToZero && color !== activeColor ? 0 : wanted);
    return {
        blue: {
            name: "demo-blue",
            release: config.stable,
            color: "blue",
            track: "stable",
            replicas: replicasFor("blue", config.stable.replicas),
            image: args.images.stable,
            matchLabels: { "rollout-lab/color": "blue" },
        },
        green: {
            name: "demo-green",
            release: config.candidate,
            color: "green",
            track: "stable",
            replicas: replicasFor("green", config.candidate.replicas),
            image: args.images.candidate,
            matchLabels: { "rollout-lab/color": "green" },
        },
    };
}
