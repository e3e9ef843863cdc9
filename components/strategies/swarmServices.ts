import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import { RoutingSummary } from "./args";
import { blueGreenWorkloads } from "./blueGreen";
import { singleReleaseWorkload } from "./singleRelease";
import { waitForRollout } from "./swarmRolloutWait";
import { Workload, appPort } from "./workload";

export interface SwarmServicesArgs {
    config: LabConfig;
    images: { stable: pulumi.Input<string>; candidate: pulumi.Input<string> };
    network: docker.Network;
    /** Built images, the network, Swarm mode. */
    dependsOn: pulumi.Resource[];
}

/** The app's Swarm services for a strategy: one (recreate, rolling) or one per release. */
export function swarmWorkloads(config: LabConfig, images: SwarmServicesArgs["images"]): Workload[] {
    const args = { config, images, namespace: config.namespace, serviceType: "ClusterIP" as const };
    switch (config.strategy) {
        case "recreate":
        case "rolling":
            return [singleReleaseWorkload(args)];
        case "bluegreen": {
            const w = blueGreenWorkloads(args);
            return [w.blue, w.green];
        }
        default:
            // canary, abtest, shadow: the edge splits, copies or matches; each release keeps its own replicas.
            return [
                { name: "demo-stable", release: config.stable, color: "blue", track: "stable", replicas: config.stable.replicas, image: images.stable, matchLabels: {} },
                { name: "demo-canary", release: config.candidate, color: "green", track: "canary", replicas: config.candidate.replicas, image: images.candidate, matchLabels: {} },
            ];
    }
}

/** The Swarm service name of a workload; the edge finds its tasks at tasks.<name>. */
export function serviceName(config: LabConfig, w: Workload): string {
    return `${config.namespace}-${w.name}`;
}

// Docker's health check gates a start-first update: Swarm moves on only once the new task is healthy.
// The image has no curl; bash's /dev/tcp asks /ready in a few milliseconds. (A `node -e fetch(...)`
// check took over 2 s to start inside the task's half core on a busy machine: tasks were marked
// unhealthy and killed in a loop, and the edge answered 503.)
const readyCheck = `exec 3<>/dev/tcp/127.0.0.1/${appPort} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`;

/** How Swarm replaces tasks when a service's spec changes. */
export function updateConfigFor(config: LabConfig): docker.types.input.ServiceUpdateConfig {
    if (config.strategy === "recreate") {
        // Every task at once, old ones stopped first: the downtime window this strategy is known for.
        return { parallelism: 0, order: "stop-first", delay: "0s", failureAction: "pause" };
    }
    const { parallelism, delaySeconds, order } = config.swarm.update;
    return { parallelism, delay: `${delaySeconds}s`, order, failureAction: "rollback", monitor: "10s" };
}

function placementFor(config: LabConfig, w: Workload): string[] {
    if (!config.swarm.placement) {
        return [];
    }
    return w.track === "canary" || (config.strategy === "bluegreen" && w.color === "green")
        ? ["node.labels.deployment.type == canary"]
        : ["node.labels.deployment.type != canary"];
}

/** One replicated Swarm service per workload, on the app network, found through DNS (dnsrr). */
export class SwarmServices extends pulumi.ComponentResource {
    public readonly services: Record<string, docker.Service>;
    /** Done once Swarm has finished rolling each service's tasks to its current spec. */
    public readonly rollouts: Record<string, pulumi.Resource>;
    public readonly workloads: Workload[];
    public readonly summary: RoutingSummary;

    constructor(name: string, args: SwarmServicesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:strategies:SwarmServices", name, {}, opts);
        const { config } = args;
        this.workloads = swarmWorkloads(config, args.images);
        this.services = {};
        this.rollouts = {};
        for (const w of this.workloads) {
            const env = {
                VERSION: w.release.version,
                COLOR: w.color,
                PORT: String(appPort),
                READY_DELAY_MS: String(w.release.readyDelayMs),
                ERROR_RATE: String(w.release.errorRate),
                LATENCY_MS: String(w.release.latencyMs),
                DRAIN_DELAY_MS: String(config.swarm.drainDelayMs),
            };
            const service = new docker.Service(
                w.name,
                {
                    name: serviceName(config, w),
                    labels: [
                        { label: "rollout-lab.version", value: w.release.version },
                        { label: "rollout-lab.color", value: w.color },
                        // blue runs the stable release, green the candidate, whatever the strategy.
                        { label: "rollout-lab.role", value: w.color === "green" ? "candidate" : "stable" },
                    ],
                    taskSpec: {
                        containerSpec: {
                            image: w.image,
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
                        placement: { constraints: placementFor(config, w) },
                        resources: {
                            limits: { nanoCpus: 500_000_000, memoryBytes: 128 * 1024 * 1024 },
                            reservation: { nanoCpus: 50_000_000, memoryBytes: 64 * 1024 * 1024 },
                        },
                        // Written out in full as Swarm reports it back (window 0s = unbounded), so an
                        // unchanged stack plans no update and no task is rolled.
                        restartPolicy: { condition: "any", delay: "2s", maxAttempts: 0, window: "0s" },
                    },
                    mode: { replicated: { replicas: w.replicas } },
                    // No IPVS needed: clients (the edge) resolve tasks.<service> and reach each task directly.
                    endpointSpec: { mode: "dnsrr" },
                    updateConfig: updateConfigFor(config),
                    rollbackConfig: { parallelism: 0, order: "stop-first" },
                    convergeConfig: { delay: "2s", timeout: "5m" },
                },
                { parent: this, dependsOn: args.dependsOn },
            );
            this.services[w.name] = service;
            this.rollouts[w.name] = waitForRollout(`${w.name}-rollout`, service, serviceName(config, w), [w.image, JSON.stringify(env), String(w.replicas)], this);
        }
        this.summary = {
            strategy: config.strategy,
            traffic: config.traffic,
            workloads: this.workloads.map((w) => ({
                name: serviceName(config, w),
                version: w.release.version,
                color: w.color,
                replicas: w.replicas,
                expectedShare: expectedShare(config, w),
            })),
            edge: {
                kind: config.traffic === "nginx" ? "nginx" : "haproxy",
                statsUrl: `http://${config.swarm.listenAddress}:${config.swarm.statsPort}/${config.traffic === "nginx" ? "nginx_status" : "stats"}`,
            },
        };
        this.registerOutputs({ summary: this.summary });
    }
}

/** Percent of new requests (without an A/B header or cookie) a workload should answer. */
export function expectedShare(config: LabConfig, w: Workload): number {
    const candidate = w.track === "canary" || (config.strategy === "bluegreen" && w.color === "green");
    switch (config.strategy) {
        case "bluegreen":
            return (config.bluegreen.activeColor === "green") === candidate ? 100 : 0;
        case "canary":
            return candidate ? config.canary.weight : 100 - config.canary.weight;
        case "abtest":
        case "shadow":
            return candidate ? 0 : 100;
        default:
            return 100;
    }
}
