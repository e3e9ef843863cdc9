import { appPort } from "../app/appImages";
import { EdgeProxy } from "../swarm/edgeProxy";
import type { SwarmBackend, SwarmEdgeSettings, SwarmRouterContext } from "./router";
import type { ServerSet } from "./serverSet";

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
    const { namespace, swarm } = ctx.settings;
    return new EdgeProxy(
        "lab-edge",
        {
            kind,
            containerName: `${namespace}-edge`,
            baseImage: swarm.edgeBaseImage,
            network: ctx.network,
            ...files,
            listenAddress: swarm.listenAddress,
            hostPort: swarm.hostPort,
            statsPort: swarm.statsPort,
            dependsOn: ctx.dependsOn,
        },
        {},
    );
}

/** Where a Swarm edge's stats page answers. */
export function statsUrl(settings: SwarmEdgeSettings, path: string): string {
    return `http://${settings.swarm.listenAddress}:${settings.swarm.statsPort}/${path}`;
}
