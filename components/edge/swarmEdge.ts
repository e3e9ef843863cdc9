import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../config";
import { Workload, appPort } from "../strategies/workload";
import { EdgeProxy } from "./edgeProxy";
import { ServerSet, edgeApplyInput, renderHaproxyConfig, routingStateFor } from "./haproxyConfig";
import { renderNginxShadowConfig } from "./nginxConfig";

export const haproxyPaths = { config: "/usr/local/etc/haproxy/haproxy.cfg", socket: "/run/haproxy/admin.sock", stateDir: "/var/lib/haproxy/state" };
export const nginxPaths = { bootstrap: "/etc/nginx-edge/bootstrap.conf", stateDir: "/var/lib/nginx-edge" };

export interface SwarmEdgeArgs {
    config: LabConfig;
    /** The app's workloads with their Swarm service names, stable first. */
    services: { workload: Workload; serviceName: string }[];
    network: docker.Network;
    dependsOn: pulumi.Resource[];
}

function tasksOf(s: { workload: Workload; serviceName: string }): ServerSet {
    // Room for a rolling update's surge and for scaling up without touching the edge.
    return { kind: "dns", hostname: `tasks.${s.serviceName}`, port: appPort, slots: Math.max(10, 2 * s.workload.replicas) };
}

/** The edge files for a Swarm stack: what the container starts with and what edge-apply gets. */
export function swarmEdgeFiles(args: Omit<SwarmEdgeArgs, "network" | "dependsOn">): { bootstrap: { path: string; content: string }; applyInput: string; stateDir: string } {
    const { config, services } = args;
    const stable = tasksOf(services[0]);
    const candidate = services.length > 1 ? tasksOf(services[1]) : undefined;
    if (config.traffic === "nginx") {
        if (candidate === undefined) {
            throw new Error("the NGINX shadow edge needs a candidate service");
        }
        const spec = { stable, candidate, listen: "80", statsListen: "8404", runDir: nginxPaths.stateDir };
        return {
            // The container is created with a fixed sampling so that a percent change never replaces it.
            bootstrap: { path: nginxPaths.bootstrap, content: renderNginxShadowConfig({ ...spec, percent: 100 }) },
            applyInput: renderNginxShadowConfig({ ...spec, percent: config.shadow.percent }),
            stateDir: nginxPaths.stateDir,
        };
    }
    const match = config.abtest === undefined ? undefined : { header: config.abtest.header, cookie: config.abtest.cookie };
    return {
        bootstrap: {
            path: haproxyPaths.config,
            content: renderHaproxyConfig({
                strategy: config.strategy,
                stable,
                candidate,
                match,
                bind: "*:80",
                statsBind: "*:8404",
                socketPath: haproxyPaths.socket,
                stateDir: haproxyPaths.stateDir,
            }),
        },
        applyInput: edgeApplyInput(routingStateFor(config)),
        stateDir: haproxyPaths.stateDir,
    };
}

export function createSwarmEdge(name: string, args: SwarmEdgeArgs, opts: pulumi.ComponentResourceOptions): EdgeProxy {
    const { config } = args;
    const files = swarmEdgeFiles(args);
    return new EdgeProxy(
        name,
        {
            kind: config.traffic === "nginx" ? "nginx" : "haproxy",
            containerName: `${config.namespace}-edge`,
            baseImage: config.swarm.edgeBaseImage,
            network: args.network,
            bootstrap: files.bootstrap,
            applyInput: files.applyInput,
            stateDir: files.stateDir,
            listenAddress: config.swarm.listenAddress,
            hostPort: config.swarm.hostPort,
            statsPort: config.swarm.statsPort,
            dependsOn: args.dependsOn,
        },
        opts,
    );
}
