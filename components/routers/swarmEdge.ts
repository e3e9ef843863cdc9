import { appPort } from "../app/appImages";
import type { LabConfig } from "../config/schema";
import { EdgeProxy } from "../swarm/edgeProxy";
import type { ServerSet } from "./haproxy/haproxyConfig";
import type { SwarmBackend, SwarmRouterContext } from "./router";

// What the Swarm routers (HAProxy, NGINX shadow) share: how the edge finds a service's tasks, and the
// edge container itself.

/** A Swarm service's tasks as the edge finds them through Docker's DNS, with room for a surge. */
export function tasksOf(backend: SwarmBackend): ServerSet {
    // Room for a rolling update's surge and for scaling up without touching the edge.
    return { kind: "dns", hostname: `tasks.${backend.serviceName}`, port: appPort, slots: Math.max(10, 2 * backend.replicas) };
}

/** The edge container of a Swarm router: `kind`'s image, the bootstrap file, the routing values applied. */
export function swarmEdge(
    ctx: SwarmRouterContext,
    kind: "haproxy" | "nginx",
    files: { bootstrap: { path: string; content: string }; applyInput: string; stateDir: string },
): EdgeProxy {
    const { config } = ctx;
    return new EdgeProxy(
        "lab-edge",
        {
            kind,
            containerName: `${config.namespace}-edge`,
            baseImage: config.swarm.edgeBaseImage,
            network: ctx.network,
            ...files,
            listenAddress: config.swarm.listenAddress,
            hostPort: config.swarm.hostPort,
            statsPort: config.swarm.statsPort,
            dependsOn: ctx.dependsOn,
        },
        {},
    );
}

/** Where a Swarm edge's stats page answers. */
export function statsUrl(config: LabConfig, path: string): string {
    return `http://${config.swarm.listenAddress}:${config.swarm.statsPort}/${path}`;
}
