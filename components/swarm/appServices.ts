import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config/schema";
import { appPort } from "../app/appImages";
import { bashHttpCheck } from "../docker/healthcheck";
import { LabPlan, Release, Role } from "../plan";
import { SwarmRollout } from "../local";
import { formerType } from "../formerType";

export interface SwarmServicesArgs {
    config: LabConfig;
    plan: LabPlan;
    images: Record<Role, pulumi.Input<string>>;
    network: docker.Network;
    /** Built images, the network, Swarm mode. */
    dependsOn: pulumi.Resource[];
}

/** The Swarm service name of a release; the edge finds its tasks at tasks.<name>. */
export function serviceName(config: Pick<LabConfig, "namespace">, release: Release): string {
    return `${config.namespace}-${release.name}`;
}

// Docker's health check gates a start-first update: Swarm moves on only once the new task is healthy.
// The image has no curl; bash's /dev/tcp asks /ready in a few milliseconds. (A `node -e fetch(...)`
// check took over 2 s to start inside the task's half core on a busy machine: tasks were marked
// unhealthy and killed in a loop, and the edge answered 503.)
const readyCheck = bashHttpCheck(appPort, "/ready");

/** How Swarm replaces tasks when a service's spec changes. */
export function updateConfigFor(plan: LabPlan, config: LabConfig): docker.types.input.ServiceUpdateConfig {
    if (plan.replacement === "recreate") {
        // Every task at once, old ones stopped first: the downtime window this strategy is known for.
        return { parallelism: 0, order: "stop-first", delay: "0s", failureAction: "pause" };
    }
    const { parallelism, delaySeconds, order } = config.swarm.update;
    return { parallelism, delay: `${delaySeconds}s`, order, failureAction: "rollback", monitor: "10s" };
}

/** With swarm.placement, two releases side by side keep apart: the candidate on the canary node(s). */
function placementFor(plan: LabPlan, config: LabConfig, release: Release): string[] {
    if (!config.swarm.placement) {
        return [];
    }
    return plan.releases.length > 1 && release.role === "candidate" ? ["node.labels.deployment.type == canary"] : ["node.labels.deployment.type != canary"];
}

/** One replicated Swarm service per release of the plan, on the app network, found through DNS (dnsrr). */
export class SwarmServices extends pulumi.ComponentResource {
    public readonly services: Record<string, docker.Service>;
    /** Done once Swarm has finished rolling each service's tasks to its current spec. */
    public readonly rollouts: Record<string, pulumi.Resource>;

    constructor(name: string, args: SwarmServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:swarm:SwarmServices", name, {}, formerType("rollout-lab:strategies:SwarmServices", opts));
        this.services = {};
        this.rollouts = {};
        for (const release of args.plan.releases) {
            const { service, rollout } = releaseService(release, args, this);
            this.services[release.name] = service;
            this.rollouts[release.name] = rollout;
        }
        this.registerOutputs({});
    }
}

/** A release's Swarm service, and the wait on Swarm's rollout of its tasks. */
function releaseService(release: Release, args: SwarmServicesArgs, parent: pulumi.Resource): { service: docker.Service; rollout: SwarmRollout } {
    const { config, plan } = args;
    const image = args.images[release.role];
    const env = {
        VERSION: release.version,
        APP_COLOR: release.color,
        PORT: String(appPort),
        READY_DELAY_MS: String(release.behaviour.readyDelayMs),
        ERROR_RATE: String(release.behaviour.errorRate),
        LATENCY_MS: String(release.behaviour.latencyMs),
        DRAIN_DELAY_MS: String(config.swarm.drainDelayMs),
    };
    const service = new docker.Service(
        release.name,
        {
            name: serviceName(config, release),
            labels: [
                { label: "rollout-lab.version", value: release.version },
                { label: "rollout-lab.color", value: release.color },
                { label: "rollout-lab.role", value: release.role },
            ],
            taskSpec: {
                containerSpec: {
                    image,
                    env,
                    healthcheck: { tests: ["CMD", "bash", "-c", readyCheck], interval: "2s", timeout: "3s", retries: 3, startPeriod: "2s" },
                    stopGracePeriod: "30s",
                    readOnly: true,
                    user: "10001:10001",
                    // No container labels: the provider replaces a Service whose container labels
                    // change, so a release would delete and recreate it and skip its update
                    // settings. cAdvisor reads the version from the VERSION variable instead.
                },
                networksAdvanceds: [{ id: args.network.id }],
                placement: { constraints: placementFor(plan, config, release) },
                resources: {
                    limits: { nanoCpus: 500_000_000, memoryBytes: 128 * 1024 * 1024 },
                    reservation: { nanoCpus: 50_000_000, memoryBytes: 64 * 1024 * 1024 },
                },
                // Written out in full as Swarm reports it back (window 0s = unbounded), so an
                // unchanged stack plans no update and no task is rolled.
                restartPolicy: { condition: "any", delay: "2s", maxAttempts: 0, window: "0s" },
            },
            mode: { replicated: { replicas: release.replicas } },
            // No IPVS needed: clients (the edge) resolve tasks.<service> and reach each task directly.
            endpointSpec: { mode: "dnsrr" },
            updateConfig: updateConfigFor(plan, config),
            rollbackConfig: { parallelism: 0, order: "stop-first" },
            convergeConfig: { delay: "2s", timeout: "5m" },
        },
        { parent, dependsOn: args.dependsOn },
    );
    // Runs again only when what the tasks run changes, so an unchanged stack plans nothing here.
    const rollout = new SwarmRollout(
        `${release.name}-rollout`,
        { serviceName: serviceName(config, release), image, env, replicas: release.replicas },
        { parent, dependsOn: [service] },
    );
    return { service, rollout };
}
