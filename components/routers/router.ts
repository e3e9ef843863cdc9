import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config/schema";
import type { ServiceOptions } from "../kubernetes/appWorkloads";
import type { LabCluster } from "../local/clusterAccess";
import type { AppWorkloads } from "../kubernetes/releaseWorkloads";
import { LabPlan, Role, RoutingSummary } from "../plan";
import { RouterSection } from "../vocabulary";
import { RouterDeclaration } from "./declaration";

// One router shape on both engines: the composition root creates the app's workloads from the plan (a
// Deployment per release on Kubernetes, a service per release on Swarm); a router is told the plan and
// its own settings, and routes. It never creates a release, and reads no config section it does not
// declare (`reads`): the root hands it only those (routerSettings).

/** A router's own settings: the config sections its declaration reads, and the lab's namespace. */
export type RouterSettings<K extends RouterSection = never> = { namespace: string } & Pick<LabConfig, K>;

/** The settings a router's declaration names, picked out of the whole config: every other section is absent. */
export function routerSettings(config: LabConfig, declaration: RouterDeclaration): RouterSettings<RouterSection> {
    const sections = [...declaration.reads, ...(declaration.readsWhen ?? []).map((r) => r.section)];
    return Object.fromEntries([["namespace", config.namespace], ...sections.map((s) => [s, config[s]])]) as RouterSettings<RouterSection>;
}

export interface KubernetesRouterContext<K extends RouterSection = never> {
    settings: RouterSettings<K>;
    plan: LabPlan;
    /** The app's namespace, as the Namespace resource gives it (objects in it wait for it). */
    namespace: pulumi.Input<string>;
    /** The images kind.loadImages puts in the nodes (a router's own image where no registry serves it). */
    extraImagesReady: pulumi.Resource[];
    /** How the lab's entry Service is exposed: NodePort on kind. */
    entryServiceType: ServiceOptions["type"];
    /** The entry NodePort kind maps to the host, when the entry is a NodePort. */
    entryNodePort?: number;
    /** Expose the router's UIs on NodePorts that kind maps to the host. */
    uiNodePorts: boolean;
    /** The lab's Prometheus, and its Grafana when there is one, for a mesh's addons. */
    monitoring: { prometheusUrl: string; grafana?: { inClusterUrl: string; externalUrl: string } };
    /** Options every Kubernetes resource takes (the lab's provider). */
    opts: pulumi.ComponentResourceOptions;
    /** The cluster as the lab's own resources (CRD files, a switch's wait) reach it with kubectl. */
    cluster: LabCluster;
}

export interface KubernetesRouterResult {
    routing: RoutingSummary;
    /** UIs the router adds (Kiali, Jaeger), by output name. */
    urls: Record<string, string>;
}

/** What a router installed before the app, and how it then routes the app's releases. */
export interface RouterInstall {
    /** The component the app's workloads and the routing objects hang under (its type and name are in their URNs). */
    scope: pulumi.Resource;
    /** What the app's pods wait for: a mesh's sidecar injector. */
    appAfter: pulumi.Resource[];
    /** Routes the plan's releases, once the root has created their workloads. */
    route(app: AppWorkloads): KubernetesRouterResult;
}

/** A host port kind maps to a NodePort, on one address. */
export interface HostPort {
    nodePort: number;
    hostPort: number;
    listenAddress: string;
}

export interface KubernetesRouter<K extends RouterSection = RouterSection> {
    readonly declaration: RouterDeclaration;
    /** Labels and annotations of the app's namespace (a mesh's injection). */
    namespaceMetadata(): { labels: Record<string, string>; annotations: Record<string, string> };
    /** The Service that receives the lab's requests. */
    entryService(settings: RouterSettings<K>): { namespace: string; name: string };
    /** NodePorts of the UIs it adds, for kind to map to the host. */
    uiPorts(settings: RouterSettings<K>): HostPort[];
    /** The sidecars whose metrics Prometheus should scrape, and where. */
    sidecarMetrics(settings: RouterSettings<K>): { kind: "istio" | "linkerd"; namespaces: string[] } | undefined;
    /** Installs what it runs on (a mesh, a controller, CRDs); its `route` then routes the releases. */
    install(ctx: KubernetesRouterContext<K>): RouterInstall;
}

/** One of the app's Swarm services, as the edge reaches it. */
export interface SwarmBackend {
    role: Role;
    /** The Swarm service's name; its tasks answer at tasks.<name>. */
    serviceName: string;
    replicas: number;
}

/** A Swarm router's own settings: where its edge listens (the platform's swarm section) and the lab's name. */
export type SwarmEdgeSettings = { namespace: string; swarm: LabConfig["swarm"] };

export interface SwarmRouterContext {
    settings: SwarmEdgeSettings;
    plan: LabPlan;
    /** The app's services, stable first. */
    backends: SwarmBackend[];
    network: docker.Network;
    dependsOn: pulumi.Resource[];
}

export interface SwarmRouter {
    readonly declaration: RouterDeclaration;
    /** The edge's kind and where its stats page answers. */
    edge(settings: SwarmEdgeSettings): { kind: string; statsUrl: string };
    /** The edge container in front of the services, with the plan's routing applied. */
    route(ctx: SwarmRouterContext): pulumi.ComponentResource;
}
