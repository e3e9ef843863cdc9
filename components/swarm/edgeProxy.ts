import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { EdgeRouting, LocalImage } from "../local";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { containerLimits } from "../docker/containerLimits";
import { bashHttpCheck } from "../docker/healthcheck";
import { formerType } from "../formerType";

/** The edge images' source folders (Dockerfile, entrypoint, edge-apply). */
export const edgeSourceDir = path.resolve(__dirname, "..", "..", "edge");

export type EdgeKind = "haproxy" | "nginx";

export interface EdgeProxyArgs {
    kind: EdgeKind;
    /** Container name; `docker exec` reaches the edge by it. */
    containerName: string;
    /** Base image of the edge image (Debian bookworm or built from it). */
    baseImage: string;
    /** The overlay network the app's services are on. */
    network: docker.Network;
    /** The file the container is created with: the routing's shape, never its values. */
    bootstrap: { path: string; content: string };
    /** What `edge-apply` reads on stdin: the routing values (HAProxy) or the whole file (NGINX). */
    applyInput: pulumi.Input<string>;
    /** Where the edge keeps what edge-apply wrote, so a restart keeps the last values. */
    stateDir: string;
    /** Address and host ports the edge publishes. */
    listenAddress: string;
    hostPort: number;
    statsPort: number;
    /** The app services the edge sends traffic to. */
    dependsOn: pulumi.Resource[];
}

/** The edge images' user (USER in both edge Dockerfiles): it owns the state folder and runs edge-apply. */
export const edgeUser = "10002:10002";

/** The stats listener (haproxyConfig's statsBind, nginxConfig's statsListen) and what the healthcheck asks there. */
const statsPort = 8404;
const healthPath: Record<EdgeKind, string> = { haproxy: "/stats", nginx: "/nginx_status" };

/** A tag that changes whenever anything in the edge's source folder does, so the image is rebuilt then. */
export function edgeImageTag(kind: EdgeKind): string {
    const dir = path.join(edgeSourceDir, kind);
    const hash = createHash("sha256");
    for (const file of fs.readdirSync(dir).sort()) {
        hash.update(file).update(fs.readFileSync(path.join(dir, file)));
    }
    return hash.digest("hex").slice(0, 12);
}

/**
 * The lab's entry point on Swarm: a container (not a Swarm service) on the app's attachable overlay
 * network, so it can publish on 127.0.0.1 only — Swarm's published ports always bind every address —
 * and so changing a weight never reschedules it. Routing changes go through `edge-apply` inside it.
 */
export class EdgeProxy extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    /** Runs edge-apply; done once the new routing serves. */
    public readonly apply: EdgeRouting;
    public readonly image: LocalImage;

    constructor(name: string, args: EdgeProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:swarm:EdgeProxy", name, {}, formerType("rollout-lab:edge:EdgeProxy", opts));
        const context = path.join(edgeSourceDir, args.kind);
        this.image = new LocalImage(
            `${name}-image`,
            { imageName: `rollout-lab/edge-${args.kind}:${edgeImageTag(args.kind)}`, context, buildArgs: { BASE_IMAGE: args.baseImage } },
            { parent: this },
        );
        // A new volume starts as the image's state folder, owner included. Its name carries the owner's
        // uid, so a stack whose edge ran as another user (root, before) gets a new one instead of a
        // volume its edge cannot write.
        const state = new docker.Volume(`${name}-state`, { name: `${args.containerName}-state-${edgeUser.split(":")[0]}` }, { parent: this });
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: this.image.imageName,
                restart: "unless-stopped",
                user: edgeUser,
                // Port 80 without root: the sysctl is the container's own (its network namespace).
                sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" },
                networksAdvanced: [{ name: args.network.name }],
                ports: [
                    { internal: 80, external: args.hostPort, ip: args.listenAddress },
                    { internal: statsPort, external: args.statsPort, ip: args.listenAddress },
                ],
                uploads: [{ file: args.bootstrap.path, content: args.bootstrap.content }],
                volumes: [{ volumeName: state.name, containerPath: args.stateDir }],
                // Healthy while the proxy answers on its stats listener; whether the app's tasks answer is
                // what the proxy's own server checks are for.
                healthcheck: { tests: ["CMD", "bash", "-c", bashHttpCheck(statsPort, healthPath[args.kind])], interval: "5s", timeout: "3s", retries: 3, startPeriod: "5s" },
                // A whole CPU: under the e2e's load the edge is the one process every request passes.
                ...containerLimits({ memoryMb: 256, reservationMb: 64, cpus: "1.0" }),
                destroyGraceSeconds: 30,
                labels: [{ label: "rollout-lab.role", value: "edge" }],
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        // A new container starts from the volume's values; apply again anyway so they match config.
        this.apply = new EdgeRouting(
            `${name}-apply`,
            { containerName: args.containerName, containerId: this.container.id, routing: args.applyInput },
            { parent: this, dependsOn: [this.container] },
        );
        this.registerOutputs({ container: this.container.name, image: this.image.imageName });
    }
}
