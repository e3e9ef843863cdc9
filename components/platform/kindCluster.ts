import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { KindClusterResource, KindClusterResourceInputs, KindImageLoad, kindKubeconfig, sameCluster } from "../local";

export interface KindClusterArgs {
    /** Name of the kind cluster (its node containers are <name>-control-plane, <name>-worker, ...). */
    clusterName: string;
    /** Worker nodes beside the control plane. */
    workers: number;
    /** Host port on 127.0.0.1 that reaches the lab's entry NodePort. */
    hostPort: number;
    /** NodePort inside the cluster that the host port maps to. */
    entryNodePort: number;
    /** kindest/node image, to pin the Kubernetes version; kind's default when unset. */
    nodeImage?: string;
    /** false: nodes without --privileged (KIND_EXPERIMENTAL_NO_SYS_RESOURCE, the lab's patched kind). */
    privileged?: boolean;
    /**
     * The pod network: kind's own kindnetd (stock node images), or "bridge", the CNI bridge plugin with
     * routes between nodes set by the lab's node image (docs/kind-pod-network.md).
     */
    podNetwork?: "kindnetd" | "bridge";
    /** Tell kubelet a cgroup v1 host is fine (1.35+ refuses it otherwise). */
    allowCgroupV1?: boolean;
    /** Local Docker images loaded into every node once the cluster exists. */
    loadImages?: string[];
    /** More NodePorts to map to the host (Grafana, Prometheus), always mapped so toggling monitoring keeps the cluster. */
    extraPorts?: { nodePort: number; hostPort: number; listenAddress: string }[];
}

/** The pod subnet of the bridge pod network; each node gets a /24 of it (kube-controller-manager's default). */
export const bridgePodSubnet = "10.244.0.0/16";

/**
 * kind's cluster config: one control plane and `workers` workers, like a Swarm manager and its workers.
 * Workers carry `deployment.type` labels as the Swarm lab's nodes did (the last worker is the canary
 * node), and the control plane maps the entry NodePort to 127.0.0.1 only.
 */
export function kindClusterConfig(args: KindClusterArgs): object {
    const image = args.nodeImage ? { image: args.nodeImage } : {};
    const workers = Array.from({ length: args.workers }, (_, i) => ({
        role: "worker",
        ...image,
        labels: {
            "deployment.type": args.workers > 1 && i === args.workers - 1 ? "canary" : "stable",
            "rollout-lab/worker": String(i + 1),
        },
    }));
    return {
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        nodes: [
            {
                role: "control-plane",
                ...image,
                labels: { "ingress-ready": "true" },
                extraPortMappings: [
                    { containerPort: args.entryNodePort, hostPort: args.hostPort, listenAddress: "127.0.0.1", protocol: "TCP" },
                    ...(args.extraPorts ?? []).map((p) => ({ containerPort: p.nodePort, hostPort: p.hostPort, listenAddress: p.listenAddress, protocol: "TCP" })),
                ],
            },
            ...workers,
        ],
        // Without kindnetd, kind installs no CNI; the node image's own service writes the bridge config
        // for the node's share of this subnet.
        ...(args.podNetwork === "bridge" ? { networking: { disableDefaultCNI: true, podSubnet: bridgePodSubnet } } : {}),
        // kubelet 1.35 and later refuse to start on a cgroup v1 host unless told otherwise. The
        // KubeletConfiguration patch reaches every node: kubeadm join reads the cluster's copy.
        ...(args.allowCgroupV1 ? { kubeadmConfigPatches: ["kind: KubeletConfiguration\nfailCgroupV1: false\n"] } : {}),
    };
}

/** Environment of every kind command: the patched kind's switch when nodes run unprivileged. */
export function kindEnvironment(args: Pick<KindClusterArgs, "privileged">): Record<string, string> {
    return args.privileged === false ? { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" } : {};
}

/** What the cluster resource is made from: a change to any of it replaces the cluster. */
export function kindClusterInputs(args: KindClusterArgs): KindClusterResourceInputs {
    return { clusterName: args.clusterName, config: YAML.stringify(kindClusterConfig(args)), env: kindEnvironment(args) };
}

/**
 * The kubeconfig of the cluster the stack's last update left, where the cluster these args make is that
 * very one (the same inputs: no replacement, `prior` from program/priorState.ts): `kind get kubeconfig`'s
 * text, the same kind gave the cluster resource (started before the engine where `lab` runs the update,
 * quickUp). Undefined where it may be another cluster; the Output falls back to `cluster()`'s kubeconfig
 * where kind cannot say (the cluster gone), which is how it was before.
 */
export function knownKubeconfig(args: KindClusterArgs, prior: Record<string, unknown> | undefined, cluster: () => KindCluster): pulumi.Output<string> | undefined {
    const inputs = kindClusterInputs(args);
    if (!sameCluster(prior, inputs)) {
        return undefined;
    }
    return pulumi.secret(pulumi.output(kindKubeconfig(inputs.clusterName, inputs.env)).apply((known) => known ?? cluster().kubeconfig));
}

/** A local kind cluster, created by `pulumi up` and deleted by `pulumi destroy`. */
export class KindCluster extends pulumi.ComponentResource {
    /** The cluster's kubeconfig (a secret: it holds the admin client key). */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly clusterName: string;
    /** The resource that owns the cluster; image loads depend on it. */
    public readonly cluster: KindClusterResource;
    /** Loads kind.loadImages into the nodes (none when the list is empty); pods using them wait for it. */
    public readonly extraImages: KindImageLoad[];
    private readonly environment: Record<string, string>;

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:platform:KindCluster", name, {}, opts);
        this.clusterName = args.clusterName;
        this.environment = kindEnvironment(args);
        this.cluster = new KindClusterResource(`${name}-cluster`, kindClusterInputs(args), { parent: this });
        this.kubeconfig = pulumi.secret(this.cluster.kubeconfig);
        const extra = args.loadImages ?? [];
        this.extraImages = extra.length === 0 ? [] : [this.load(`${name}-load-images`, extra, [], [])];
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }

    /** Loads a locally built image into every node, again whenever the image changes. */
    loadImage(name: string, image: { imageName: pulumi.Input<string>; imageId: pulumi.Input<string> }, dependsOn: pulumi.Resource[]): KindImageLoad {
        return this.load(name, [image.imageName], [image.imageId], dependsOn);
    }

    private load(name: string, images: pulumi.Input<string>[], imageIds: pulumi.Input<string>[], dependsOn: pulumi.Resource[]): KindImageLoad {
        return new KindImageLoad(
            name,
            { clusterName: this.clusterName, clusterCreatedAt: this.cluster.createdAt, images, imageIds, env: this.environment },
            { parent: this, dependsOn: [this.cluster, ...dependsOn] },
        );
    }
}
