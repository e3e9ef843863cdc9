import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { releaseImages } from "../app";
import { SwarmMode } from "../local";
import { LabConfig } from "../config";
import { Role } from "../plan";

export interface SwarmPlatformArgs {
    /** The validated stack config (platform swarm). */
    config: LabConfig;
}

/**
 * The local Docker engine in Swarm mode: switched on if it is not yet, an attachable overlay network
 * for the app (the edge container joins it), and the app image built for each release. No registry is
 * involved: on a one-node Swarm (a laptop, Docker Desktop, CI) tasks run the local images.
 */
export class SwarmPlatform extends pulumi.ComponentResource {
    public readonly network: docker.Network;
    public readonly images: Record<Role, pulumi.Input<string>>;
    /** What the app's services wait for. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: SwarmPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:platform:SwarmPlatform", name, {}, opts);
        const { config } = args;
        const ready: pulumi.Resource[] = [];
        let swarmReady: pulumi.Resource[] = [];
        if (config.swarm.init) {
            // Leaves Swarm mode on at destroy: leaving would take down anything else the user runs there.
            swarmReady = [new SwarmMode(`${name}-swarm`, { advertiseAddr: config.swarm.advertiseAddr }, { parent: this })];
            ready.push(...swarmReady);
        }
        this.network = new docker.Network(
            `${name}-app-net`,
            { name: `${config.namespace}-app`, driver: "overlay", attachable: true, labels: [{ label: "rollout-lab.network", value: "app" }] },
            { parent: this, dependsOn: swarmReady },
        );
        ready.push(this.network);
        const images = releaseImages(`${name}-images`, config, config.app.build, this);
        ready.push(...Object.values(images.built));
        this.images = images.refs;
        this.ready = ready;
        this.registerOutputs({ network: this.network.name });
    }
}
