import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { releaseImages } from "../app";
import { LabConfig } from "../config";
import { Role } from "../plan";
import { ServiceOptions, entryNodePort as kindEntryNodePort } from "../kubernetes/appWorkloads";
import { LabCluster, existingCluster } from "../local/clusterAccess";
import { KindCluster, knownKubeconfig } from "./kindCluster";

export interface KubernetesPlatformArgs {
    /** The validated stack config (platform kind or kubernetes). */
    config: LabConfig;
    /** The Service that receives the lab's requests (the router's entry), for the entry URL's instructions. */
    entryService: { namespace: string; name: string };
    /** More NodePorts kind maps to the host (monitoring's UIs, a mesh's addons), besides the entry. */
    hostPorts: { nodePort: number; hostPort: number; listenAddress: string }[];
    /** The kind cluster resource's inputs in the stack's last state, if any (kindCluster.ts: knownKubeconfig). */
    priorCluster?: Record<string, unknown>;
}

/**
 * Where the app runs on Kubernetes: a kind cluster the program creates, an existing cluster from a
 * kubeconfig context, or (renderYamlTo) no cluster at all, only manifests written to a folder.
 * Exposes the explicit provider every Kubernetes resource of the lab uses, and the app's images.
 */
export class KubernetesPlatform extends pulumi.ComponentResource {
    public readonly provider: k8s.Provider;
    public readonly cluster?: KindCluster;
    /** Image reference for each release. */
    public readonly images: Record<Role, pulumi.Input<string>>;
    /** What the app's pods must wait for: images built and loaded into the cluster. */
    public readonly imagesReady: pulumi.Resource[];
    public readonly serviceType: ServiceOptions["type"];
    /** The entry Service's NodePort: the one kind maps to the host, or kubernetes.nodePort on an existing cluster. */
    public readonly entryNodePort: number;
    /** Where students and the probe reach the lab. */
    public readonly entryUrl: string;
    /** The cluster's kubeconfig where the program made the cluster (secret). */
    public readonly kubeconfig?: pulumi.Output<string>;
    /** The cluster as the lab's own resources reach it with kubectl (no access when rendering manifests). */
    public readonly labCluster: LabCluster;

    constructor(name: string, args: KubernetesPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:platform:KubernetesPlatform", name, {}, opts);
        const { config } = args;
        const render = config.renderYamlTo;
        const isKind = config.platform === "kind";

        const makesCluster = isKind && render === undefined;
        const kindArgs = { ...config.kind, entryNodePort: kindEntryNodePort, extraPorts: args.hostPorts };
        const known = makesCluster ? knownKubeconfig(kindArgs, args.priorCluster, () => this.cluster as KindCluster) : undefined;
        // Where the kubeconfig is known, the provider is registered before the cluster: the engine takes
        // registrations in turn, and the first dynamic resource's (the cluster's) starts the dynamic-provider
        // host, 0.5-0.6 s that every later registration waits behind; so the provider starts and configures
        // alongside it.
        const early = known !== undefined ? new k8s.Provider(`${name}-k8s`, { kubeconfig: known }, { parent: this }) : undefined;
        if (makesCluster) {
            this.cluster = new KindCluster(`${name}-kind`, kindArgs, { parent: this });
            this.kubeconfig = this.cluster.kubeconfig;
        }
        this.provider = early ?? new k8s.Provider(`${name}-k8s`, providerArgs(config, this.kubeconfig), { parent: this });
        this.labCluster =
            render !== undefined
                ? { id: "render", renderTo: render }
                : this.cluster !== undefined
                  ? { access: { kubeconfig: this.kubeconfig }, id: this.cluster.cluster.createdAt }
                  : existingCluster(config.kubernetes.kubeconfig, config.kubernetes.context);

        const images = releaseImages(`${name}-images`, config, config.app.build && render === undefined, this);
        const cluster = this.cluster;
        this.imagesReady = Object.entries(images.built).map(([tag, image]) =>
            cluster ? cluster.loadImage(`${name}-load-${tag}`, image, [image]) : image,
        );
        this.images = images.refs;

        this.serviceType = isKind ? "NodePort" : config.kubernetes.serviceType;
        this.entryNodePort = isKind ? kindEntryNodePort : config.kubernetes.nodePort;
        this.entryUrl = entryUrlFor(config, args.entryService);
        this.registerOutputs({ entryUrl: this.entryUrl });
    }
}

/**
 * The Kubernetes objects of a kind cluster the program made go with it: `lab down` deletes the cluster and
 * not each object in it first, and a replaced cluster replaces them. It also keeps that order now that
 * the provider need not wait for the cluster resource (kindCluster.ts: knownKubeconfig): an object waits
 * for the cluster's step before it registers, and the engine never deletes the cluster before an object
 * it would still ask the cluster to delete. For the stack's transformations: Kubernetes custom resources
 * only (not the provider, not components such as a ConfigFile, not the lab's own kubectl resources).
 */
export function deletedWithCluster(cluster: pulumi.Resource): pulumi.ResourceTransformation {
    return (args) =>
        // instanceof: CustomResource.isInstance reads a mark its constructor sets after the transformations ran.
        args.type.startsWith("kubernetes:") && args.resource instanceof pulumi.CustomResource
            ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { deletedWith: cluster }) }
            : undefined;
}

function providerArgs(config: LabConfig, kubeconfig: pulumi.Output<string> | undefined): k8s.ProviderArgs {
    if (config.renderYamlTo !== undefined) {
        return { renderYamlToDirectory: config.renderYamlTo };
    }
    if (kubeconfig !== undefined) {
        return { kubeconfig };
    }
    // An existing cluster: kubeconfig path and context from config, else $KUBECONFIG / ~/.kube/config.
    return { kubeconfig: config.kubernetes.kubeconfig, context: config.kubernetes.context };
}

/** Where the lab answers, or how to reach it where the program cannot publish it on the host. */
export function entryUrlFor(config: LabConfig, entry: { namespace: string; name: string }): string {
    if (config.renderYamlTo !== undefined) {
        return `none: manifests rendered to ${config.renderYamlTo}`;
    }
    if (config.platform === "kind") {
        return `http://127.0.0.1:${config.kind.hostPort}`;
    }
    if (config.kubernetes.entryUrl !== undefined) {
        return config.kubernetes.entryUrl;
    }
    switch (config.kubernetes.serviceType) {
        case "NodePort":
            return `http://<any node address>:${config.kubernetes.nodePort}`;
        case "LoadBalancer":
            return `the external address of Service ${entry.namespace}/${entry.name}`;
        default:
            return `kubectl -n ${entry.namespace} port-forward svc/${entry.name} 8080:80, then http://127.0.0.1:8080`;
    }
}
