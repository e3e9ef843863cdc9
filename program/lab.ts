import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, parseLabConfig, rawConfigFromPulumi, withEnvironmentDefaults } from "../components/labConfig";
import { KubernetesMonitoring, grafanaPort, prometheusPort } from "../monitoring/kubernetes";
import { SwarmMonitoring } from "../monitoring/swarmMonitoring";
import { RoutingSummary, labPlan, summarizePlan } from "../components/plan";
import { KubernetesPlatform, SwarmPlatform, deletedWithCluster } from "../components/platform";
import { kindClusterType } from "../components/local";
import { assertKubectl } from "../components/local/serviceSwitch";
import { kubernetesRouterFor, routerSettings, swarmRouterFor } from "../components/routers";
import { releaseWorkloads } from "../components/kubernetes/releaseWorkloads";
import { SwarmServices, serviceName } from "../components/swarm/appServices";
import { studentAccess } from "../components/kubernetes/studentAccess";
import { keepPromiseStacksPlain } from "./promiseStacks";
import { localCheckpoint } from "./crdState";
import { PriorResource, PriorState, kubernetesObjectsDeletedWith, readPriorState, settledResource } from "./priorState";

// The composition root: config -> plan -> platform (a provider or engine, entry points) -> the app's
// workloads (a Deployment or a Swarm service per release) and the router's routing over them ->
// monitoring (told its targets). Nothing below this file reaches up or sideways.

/** The NodePorts Grafana and Prometheus take on kind, which maps them to the host. */
export const monitoringNodePorts = { grafana: 30300, prometheus: 30090 };

/** What `pulumi stack output` shows. */
export interface LabOutputs {
    /** Where to send traffic (the probe, curl, a browser). */
    entryUrl: string;
    namespace: pulumi.Output<string> | string;
    /** Which workload gets which share of requests, and the selector or edge in effect. */
    routing: RoutingSummary;
    /** The kind cluster's kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
    kubeconfig?: pulumi.Output<string>;
    /** Where Grafana and Prometheus answer, when monitoring is on. */
    grafanaUrl?: string;
    prometheusUrl?: string;
    /** Istio's addons, where the stack runs Istio. */
    kialiUrl?: string;
    jaegerUrl?: string;
    /** Grafana's generated admin password (secret; user `admin`). */
    grafanaAdminPassword?: pulumi.Output<string>;
    /** kubernetes.studentAccess: the student's kubeconfig, reaching only the lab's namespaces (secret). */
    studentKubeconfig?: pulumi.Output<string>;
}

/** Where Prometheus (and Grafana, unless `monitoring.grafana` is false) answer. */
function monitoringUrls(config: LabConfig, reachable: boolean): Pick<LabOutputs, "grafanaUrl" | "prometheusUrl"> {
    const { monitoring } = config;
    const urls = reachable
        ? {
              grafanaUrl: `http://${monitoring.listenAddress}:${monitoring.grafanaPort}`,
              prometheusUrl: `http://${monitoring.listenAddress}:${monitoring.prometheusPort}`,
          }
        : {
              grafanaUrl: `kubectl -n ${config.namespace}-monitoring port-forward svc/grafana 3000`,
              prometheusUrl: `kubectl -n ${config.namespace}-monitoring port-forward svc/prometheus 9090`,
          };
    return monitoring.grafana ? urls : { prometheusUrl: urls.prometheusUrl };
}

/** Reads and validates the stack config; throws one error listing every problem, before any resource exists. */
export function loadLabConfig(): LabConfig {
    return parseLabConfig(withEnvironmentDefaults(rawConfigFromPulumi(pulumi.runtime.allConfig()), process.env));
}

/** How the program is run: where it can read the stack's last state. */
export interface LabProgramOptions {
    /** The stack's backend folder where it is a local one (file://): the checkpoint is read from it (program/priorState.ts). */
    backendDir?: string;
}

/** The kind cluster resource the program makes (KubernetesPlatform "lab"), as a stack's last state holds it, where settled. */
export function settledKindCluster(state: PriorState | undefined): PriorResource | undefined {
    return settledResource(state, kindClusterType, "lab-kind-cluster");
}

/**
 * The kind cluster's inputs in the stack's last state, where the provider may skip waiting for it
 * (KubernetesPlatform's priorCluster): it is settled there, and every Kubernetes object there is already
 * deleted with it. So the provider's relation to the cluster, which orders a teardown, is only dropped once
 * every object carries its own (the first update of a stack from before deletedWith, or one that stopped
 * half way through it, still goes the old way).
 */
function priorCluster(backendDir: string): Record<string, unknown> | undefined {
    const state = readPriorState(localCheckpoint(backendDir, pulumi.getProject(), pulumi.getStack()));
    const cluster = settledKindCluster(state);
    return state !== undefined && cluster !== undefined && kubernetesObjectsDeletedWith(state, cluster.urn) ? cluster.inputs : undefined;
}

/** A Kubernetes stack: the kind cluster or an existing one, the plan's workloads, the router's objects over them, monitoring. */
export function createKubernetesLab(config: LabConfig, options: LabProgramOptions = {}): LabOutputs {
    const router = kubernetesRouterFor(config.traffic);
    const settings = routerSettings(config, router.declaration);
    const plan = labPlan(config, router.declaration.splitsBy);
    const kubectlWhy = router.declaration.needsKubectl?.(settings, plan.routing.kind);
    if (kubectlWhy !== undefined && config.renderYamlTo === undefined && !pulumi.runtime.isDryRun()) {
        // Before the first resource: a missing kubectl leaves nothing half-made (a preview runs no kubectl).
        assertKubectl(kubectlWhy);
    }
    if (plan.note !== undefined) {
        // Shown by every preview and up, and kept in the routing output.
        void pulumi.log.info(plan.note);
    }
    const { monitoring } = config;
    const makesCluster = config.platform === "kind" && config.renderYamlTo === undefined;
    const platform = new KubernetesPlatform("lab", {
        config,
        priorCluster: makesCluster && options.backendDir !== undefined ? priorCluster(options.backendDir) : undefined,
        entryService: router.entryService(settings),
        // Mapped whether or not monitoring is on, so toggling it keeps the cluster.
        hostPorts: [
            { nodePort: monitoringNodePorts.grafana, hostPort: monitoring.grafanaPort, listenAddress: monitoring.listenAddress },
            { nodePort: monitoringNodePorts.prometheus, hostPort: monitoring.prometheusPort, listenAddress: monitoring.listenAddress },
            ...router.uiPorts(settings),
        ],
    });
    if (platform.cluster !== undefined && pulumi.runtime.getStackResource() !== undefined) {
        // Every Kubernetes object registered from here on goes with the cluster (deletedWithCluster). A
        // program run under the unit tests' mocks has no stack resource to register it on; the kind tier
        // reads every object's deletedWith in a real stack's state.
        pulumi.runtime.registerStackTransformation(deletedWithCluster(platform.cluster.cluster));
    }
    const meta = router.namespaceMetadata();
    const namespace = new k8s.core.v1.Namespace(
        "lab-ns",
        {
            metadata: {
                name: config.namespace,
                labels: { "app.kubernetes.io/part-of": "rollout-lab", ...meta.labels },
                ...(Object.keys(meta.annotations).length > 0 ? { annotations: meta.annotations } : {}),
            },
        },
        { provider: platform.provider },
    );
    const isKind = config.platform === "kind";
    const urls = monitoringUrls(config, isKind && config.renderYamlTo === undefined);
    const monitoringNs = `${config.namespace}-monitoring`;
    const installed = router.install({
        settings,
        plan,
        namespace: namespace.metadata.name,
        extraImagesReady: platform.cluster?.extraImages ?? [],
        entryServiceType: platform.serviceType,
        entryNodePort: platform.serviceType === "ClusterIP" ? undefined : platform.entryNodePort,
        uiNodePorts: isKind,
        monitoring: {
            prometheusUrl: `http://prometheus.${monitoringNs}:${prometheusPort}`,
            grafana: monitoring.grafana ? { inClusterUrl: `http://grafana.${monitoringNs}:${grafanaPort}`, externalUrl: urls.grafanaUrl ?? "" } : undefined,
        },
        opts: { providers: { kubernetes: platform.provider } },
        cluster: platform.labCluster,
    });
    // The releases, under the router's component (their URNs name it), after what the router says they wait for.
    const app = releaseWorkloads(
        `lab-${plan.strategy}`,
        {
            plan,
            images: platform.images,
            namespace: namespace.metadata.name,
            settings: config,
            releaseServices: router.declaration.releaseServices ?? false,
            dependsOn: [...platform.imagesReady, ...installed.appAfter],
        },
        { parent: installed.scope },
    );
    const routed = installed.route(app);
    const outputs: LabOutputs = {
        entryUrl: platform.entryUrl,
        namespace: namespace.metadata.name,
        routing: routed.routing,
        kubeconfig: platform.kubeconfig,
        ...routed.urls,
    };
    let monitoringNamespace: pulumi.Output<string> | undefined;
    if (monitoring.enabled) {
        const lab = new KubernetesMonitoring(
            "lab-monitoring",
            { config, nodePorts: isKind ? monitoringNodePorts : undefined, sidecars: router.sidecarMetrics(settings) },
            // Images kind.loadImages names (monitoring images no registry serves) are in the nodes first.
            { providers: { kubernetes: platform.provider }, dependsOn: platform.cluster?.extraImages ?? [] },
        );
        monitoringNamespace = lab.namespace;
        Object.assign(outputs, urls, lab.grafanaAdminPassword && { grafanaAdminPassword: lab.grafanaAdminPassword });
    }
    if (config.kubernetes.studentAccess && config.renderYamlTo === undefined) {
        outputs.studentKubeconfig = studentAccess(
            "lab-student",
            { namespace: namespace.metadata.name, monitoringNamespace, kubeconfigFile: config.kubernetes.kubeconfig, context: config.kubernetes.context },
            { provider: platform.provider },
        );
    }
    return outputs;
}

/** A Swarm stack: Swarm mode and the app network, a service per release, the router's edge, monitoring. */
export function createSwarmLab(config: LabConfig): LabOutputs {
    const router = swarmRouterFor(config.traffic);
    const plan = labPlan(config, router.declaration.splitsBy);
    const platform = new SwarmPlatform("lab", { config });
    const services = new SwarmServices(`lab-${config.strategy}`, {
        config,
        plan,
        images: platform.images,
        network: platform.network,
        dependsOn: platform.ready,
    });
    const serviceNames = plan.releases.map((r) => serviceName(config, r));
    const settings = { namespace: config.namespace, swarm: config.swarm };
    router.route({
        settings,
        plan,
        backends: plan.releases.map((r, i) => ({ role: r.role, serviceName: serviceNames[i], replicas: r.replicas })),
        network: platform.network,
        dependsOn: Object.values(services.services),
    });
    const outputs: LabOutputs = {
        entryUrl: `http://${config.swarm.listenAddress}:${config.swarm.hostPort}`,
        namespace: config.namespace,
        routing: { ...summarizePlan(plan, config.traffic, (r) => serviceName(config, r)), edge: router.edge(settings) },
    };
    if (config.monitoring.enabled) {
        const monitoring = new SwarmMonitoring("lab-monitoring", {
            config,
            appNetwork: platform.network,
            appServices: serviceNames,
            dependsOn: platform.ready,
        });
        Object.assign(outputs, monitoringUrls(config, true), monitoring.grafanaAdminPassword && { grafanaAdminPassword: monitoring.grafanaAdminPassword });
    }
    return outputs;
}

export function createLab(config: LabConfig, options: LabProgramOptions = {}): LabOutputs {
    return config.platform === "swarm" ? createSwarmLab(config) : createKubernetesLab(config, options);
}

/**
 * The whole program: the stack's outputs (LabOutputs), only those this stack has, since an undefined
 * export makes the engine warn "Undefined value" on every run. index.ts exports it for `pulumi up`;
 * `lab` runs it inline through the Automation API (no Node.js language host needed).
 */
export function labProgram(options: LabProgramOptions = {}): Record<string, unknown> {
    keepPromiseStacksPlain();
    const lab = createLab(loadLabConfig(), options);
    return Object.fromEntries(Object.entries(lab).filter(([, value]) => value !== undefined));
}
