import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, parseLabConfig, rawConfigFromPulumi, withEnvironmentDefaults } from "./config";
import { KubernetesMonitoring, grafanaPort, prometheusPort } from "../monitoring/kubernetesMonitoring";
import { SwarmMonitoring } from "../monitoring/swarmMonitoring";
import { createSwarmEdge } from "./edge";
import { KubernetesPlatform, SwarmPlatform } from "./platform";
import { RoutingSummary, SwarmServices, serviceName } from "./strategies";
import { entryNodePort } from "./strategies/workload";
import { trafficFor } from "./traffic";

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

/** Wires platform -> traffic provider (ingress or mesh) -> app and its routing -> monitoring for a Kubernetes stack. */
export function createKubernetesLab(config: LabConfig): LabOutputs {
    const platform = new KubernetesPlatform("lab", { config });
    const k8sOpts = { provider: platform.provider };
    const traffic = trafficFor(config.traffic);
    const meta = traffic.namespaceMetadata();
    const namespace = new k8s.core.v1.Namespace(
        "lab-ns",
        {
            metadata: {
                name: config.namespace,
                labels: { "app.kubernetes.io/part-of": "rollout-lab", ...meta.labels },
                ...(Object.keys(meta.annotations).length > 0 ? { annotations: meta.annotations } : {}),
            },
        },
        k8sOpts,
    );
    const isKind = config.platform === "kind";
    const reachable = isKind && config.renderYamlTo === undefined;
    const urls = monitoringUrls(config, reachable);
    const monitoringNs = `${config.namespace}-monitoring`;
    const routed = traffic.deploy({
        config,
        namespace: namespace.metadata.name,
        images: platform.images,
        imagesReady: platform.imagesReady,
        entryServiceType: platform.serviceType,
        entryNodePort: platform.serviceType === "ClusterIP" ? undefined : entryNodePort,
        uiNodePorts: isKind,
        monitoring: {
            prometheusUrl: `http://prometheus.${monitoringNs}:${prometheusPort}`,
            grafanaInClusterUrl: `http://grafana.${monitoringNs}:${grafanaPort}`,
            grafanaUrl: urls.grafanaUrl ?? "",
        },
        opts: { providers: { kubernetes: platform.provider } },
    });
    const outputs: LabOutputs = {
        entryUrl: platform.entryUrl,
        namespace: namespace.metadata.name,
        routing: routed.routing,
        kubeconfig: platform.kubeconfig,
        ...routed.urls,
    };
    if (config.monitoring.enabled) {
        const monitoring = new KubernetesMonitoring(
            "lab-monitoring",
            { config, nodePorts: isKind },
            // Images kind.loadImages names (monitoring images no registry serves) are in the nodes first.
            { providers: { kubernetes: platform.provider }, dependsOn: platform.cluster?.extraImages ?? [] },
        );
        Object.assign(outputs, urls, monitoring.grafanaAdminPassword && { grafanaAdminPassword: monitoring.grafanaAdminPassword });
    }
    return outputs;
}

/** Wires Swarm mode -> app services -> edge proxy for a Swarm stack. */
export function createSwarmLab(config: LabConfig): LabOutputs {
    const platform = new SwarmPlatform("lab", { config });
    const services = new SwarmServices(`lab-${config.strategy}`, {
        config,
        images: platform.images,
        network: platform.network,
        dependsOn: platform.ready,
    });
    createSwarmEdge(
        "lab-edge",
        {
            config,
            services: services.workloads.map((w) => ({ workload: w, serviceName: serviceName(config, w) })),
            network: platform.network,
            dependsOn: Object.values(services.services),
        },
        {},
    );
    const outputs: LabOutputs = {
        entryUrl: `http://${config.swarm.listenAddress}:${config.swarm.hostPort}`,
        namespace: config.namespace,
        routing: services.summary,
    };
    if (config.monitoring.enabled) {
        const monitoring = new SwarmMonitoring("lab-monitoring", {
            config,
            appNetwork: platform.network,
            appServices: services.workloads.map((w) => serviceName(config, w)),
            dependsOn: platform.ready,
        });
        Object.assign(outputs, monitoringUrls(config, true), monitoring.grafanaAdminPassword && { grafanaAdminPassword: monitoring.grafanaAdminPassword });
    }
    return outputs;
}

export function createLab(config: LabConfig): LabOutputs {
    return config.platform === "swarm" ? createSwarmLab(config) : createKubernetesLab(config);
}
