import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config/schema";
import type { ServiceOptions } from "../kubernetes/appWorkloads";
import { LabPlan, Role, RoutingSummary } from "../plan";
import { RouterDeclaration } from "./declaration";

// The two shapes a router has, one per engine. A router takes the plan and renders its objects; it
// reads no strategy setting itself. Everything it needs from the platform arrives here.

/** The image each role's release runs. */
export type RoleImages = Record<Role, pulumi.Input<string>>;

export interface KubernetesRouterContext {
    config: LabConfig;
    plan: LabPlan;
    namespace: pulumi.Input<string>;
    images: RoleImages;
    /** What the app's pods wait for (images loaded into the cluster). */
    imagesReady: pulumi.Resource[];
    /** The images kind.loadImages puts in the nodes (a router's own image where no registry serves it). */
    extraImagesReady: pulumi.Resource[];
    /** How the lab's entry Service is exposed: NodePort on kind. */
    entryServiceType: ServiceOptions["type"];
    /** The entry NodePort kind maps to the host, when the entry is a NodePort. */
    entryNodePort?: number;
    /** Expose the router's UIs on NodePorts that kind maps to the host. */
    uiNodePorts: boolean;
    /** The lab's Prometheus and Grafana, for a mesh's addons. */
    monitoring: { prometheusUrl: string; grafanaInClusterUrl: string; grafanaUrl: string };
    /** Options every Kubernetes resource takes (the lab's provider). */
    opts: pulumi.ComponentResourceOptions;
}

export interface KubernetesRouterResult {
    routing: RoutingSummary;
    /** UIs the router adds (Kiali, Jaeger), by output name. */
    urls: Record<string, string>;
}

/** A host port kind maps to a NodePort, on one address. */
export interface HostPort {
    nodePort: number;
    hostPort: number;
    listenAddress: string;
}

export interface KubernetesRouter {
    readonly declaration: RouterDeclaration;
    /** Labels and annotations of the app's namespace (a mesh's injection). */
    namespaceMetadata(): { labels: Record<string, string>; annotations: Record<string, string> };
    /** The Service that receives the lab's requests. */
    entryService(config: LabConfig): { namespace: string; name: string };
    /** NodePorts of the UIs it adds, for kind to map to the host. */
    uiPorts(config: LabConfig): HostPort[];
    /** The sidecars whose metrics Prometheus should scrape, and where. */
    sidecarMetrics(config: LabConfig): { kind: "istio" | "linkerd"; namespaces: string[] } | undefined;
    /** Installs what it runs on, runs the plan's releases and routes them. */
    render(ctx: KubernetesRouterContext): KubernetesRouterResult;
}

/** One of the app's Swarm services, as the edge reaches it. */
export interface SwarmBackend {
    role: Role;
    /** The Swarm service's name; its tasks answer at tasks.<name>. */
    serviceName: string;
    replicas: number;
}

export interface SwarmRouterContext {
    config: LabConfig;
    plan: LabPlan;
    /** The app's services, stable first. */
    backends: SwarmBackend[];
    network: docker.Network;
    dependsOn: pulumi.Resource[];
}

export interface SwarmRouter {
    readonly declaration: RouterDeclaration;
    /** The edge's kind and where its stats page answers. */
    edge(config: LabConfig): { kind: string; statsUrl: string };
    /** The edge container in front of the services, with the plan's routing applied. */
    render(ctx: SwarmRouterContext): pulumi.ComponentResource;
}
