import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { rolloutWaitScript, rolloutTimeoutSeconds } from "./swarmRolloutScript";
import { reapplyingProvider, runLocal } from "./localProcess";

// The Swarm lab's own steps as typed resources: Swarm mode on the local engine, the edge's routing
// applied inside its container, and the wait for Swarm to finish rolling a service.

export interface SwarmModeInputs {
    /** The address `docker swarm init` advertises. */
    advertiseAddr: string;
}

async function ensureSwarm(inputs: SwarmModeInputs): Promise<string> {
    const state = (await runLocal("docker", ["info", "--format", "{{.Swarm.LocalNodeState}}"])).trim();
    if (state !== "active") {
        await runLocal("docker", ["swarm", "init", "--advertise-addr", inputs.advertiseAddr]);
    }
    return (await runLocal("docker", ["info", "--format", "{{.Swarm.NodeID}}"])).trim();
}

// Destroy leaves Swarm mode on: leaving would take down anything else the user runs there.
const swarmModeProvider = reapplyingProvider<SwarmModeInputs>(["advertiseAddr"], () => "swarm", async (inputs) => ({ nodeId: await ensureSwarm(inputs) }));

/** Swarm mode on the local Docker engine: `docker swarm init` if it is not on yet. */
export class SwarmMode extends LabResource {
    declare public readonly nodeId: pulumi.Output<string>;

    constructor(name: string, args: { advertiseAddr: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(swarmModeProvider, "SwarmMode", name, { ...args, nodeId: undefined }, opts);
    }
}

export interface EdgeRoutingInputs {
    /** The edge container's name. */
    containerName: string;
    /** The container's ID: a new container gets the routing again. */
    containerId: string;
    /** What edge-apply reads on stdin: HAProxy's map files (applied through its runtime API) or NGINX's config (reloaded). */
    routing: string;
}

async function applyRouting(inputs: EdgeRoutingInputs): Promise<void> {
    await runLocal("docker", ["exec", "-i", inputs.containerName, "edge-apply"], { input: inputs.routing, timeoutMs: 120 * 1000 });
}

// The container goes with its own resource; its routing has nothing of its own to undo.
const edgeRoutingProvider = reapplyingProvider<EdgeRoutingInputs>(["containerName", "containerId", "routing"], (i) => i.containerName, applyRouting);

/** The Swarm edge's routing, applied inside its running container (edge-apply): done once the new routing serves. */
export class EdgeRouting extends LabResource {
    declare public readonly routing: pulumi.Output<string>;

    constructor(name: string, args: { containerName: pulumi.Input<string>; containerId: pulumi.Input<string>; routing: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(edgeRoutingProvider, "EdgeRouting", name, args, opts);
    }
}

export interface SwarmRolloutInputs {
    /** The Swarm service's name. */
    serviceName: string;
    /** What its tasks run: a change waits again. */
    image: string;
    env: Record<string, string>;
    replicas: number;
    /** Fail after this many seconds. */
    timeoutSeconds: number;
}

async function waitForSwarm(inputs: SwarmRolloutInputs): Promise<void> {
    await runLocal("sh", ["-c", rolloutWaitScript(inputs.serviceName, inputs.timeoutSeconds)], { timeoutMs: (inputs.timeoutSeconds + 30) * 1000 });
}

const swarmRolloutProvider = reapplyingProvider<SwarmRolloutInputs>(["serviceName", "image", "env", "replicas"], (i) => i.serviceName, waitForSwarm);

/**
 * Waits, after a Swarm service is created or its tasks' spec changes, until Swarm's own update state says
 * every task runs the new spec (rolloutWaitScript), so "up returned" means the rollout is done.
 */
export class SwarmRollout extends LabResource {
    constructor(
        name: string,
        args: { serviceName: pulumi.Input<string>; image: pulumi.Input<string>; env: pulumi.Input<Record<string, pulumi.Input<string>>>; replicas: pulumi.Input<number>; timeoutSeconds?: number },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(swarmRolloutProvider, "SwarmRollout", name, { ...args, timeoutSeconds: args.timeoutSeconds ?? rolloutTimeoutSeconds }, opts);
    }
}
