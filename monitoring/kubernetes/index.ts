import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LabConfig } from "../../components/config";
import { grafanaProvisioning } from "../dashboards";
import { cadvisor, cadvisorPort, nodeExporter, nodeExporterPort } from "./exporters";
import { grafana, grafanaPort } from "./grafana";
import { prometheus, prometheusPaths, prometheusPort } from "./prometheus";
import { monitoringFiles } from "../monitoringFiles";
import { KubernetesTargets, prometheusArgs, renderPrometheusConfig } from "../prometheusConfig";

export interface KubernetesMonitoringArgs {
    config: LabConfig;
    /** The NodePorts Grafana and Prometheus take (kind maps them to the host); ClusterIP only when absent. */
    nodePorts?: { grafana: number; prometheus: number };
    /** The mesh sidecars Prometheus scrapes as well (what the router runs), and in which namespaces. */
    sidecars?: KubernetesTargets["mesh"];
}

/**
 * Prometheus, Grafana, node-exporter and cAdvisor in their own namespace, all plain resources. Grafana is
 * optional (`monitoring.grafana: false`): where its image cannot be had, the rest works without it.
 */
export class KubernetesMonitoring extends pulumi.ComponentResource {
    /** Grafana's generated admin password (secret); undefined when `monitoring.grafana` is false. */
    public readonly grafanaAdminPassword?: pulumi.Output<string>;
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: KubernetesMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:monitoring:KubernetesMonitoring", name, {}, opts);
        const { config } = args;
        const { monitoring } = config;
        const child = { parent: this };
        const namespaceName = `${config.namespace}-monitoring`;
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: namespaceName, labels: { "app.kubernetes.io/part-of": "rollout-lab" } } }, child);
        this.namespace = ns.metadata.name;
        const inNs = { parent: this, dependsOn: [ns] };
        const images = monitoring.images;

        // A class's labs share one node-exporter and cAdvisor (monitoring.exportersNamespace); a lab alone runs its own.
        const shared = monitoring.exportersNamespace;
        if (shared === undefined) {
            const exporterArgs = { namespace: ns.metadata.name, nodeExporterImage: images.nodeExporter, cadvisorImage: images.cadvisor };
            nodeExporter(`${name}-node-exporter`, exporterArgs, inNs);
            cadvisor(`${name}-cadvisor`, exporterArgs, inNs);
        }
        // What Prometheus discovers pods in: with shared exporters, a role in each of these and nothing cluster-wide.
        const readsIn = [config.namespace, shared ?? namespaceName, ...(args.sidecars?.namespaces ?? [])];

        const files = monitoringFiles(config, "kubernetes");
        prometheus(
            `${name}-prometheus`,
            {
                namespace: ns.metadata.name,
                // rollout-lab-prometheus for the default namespace, as before.
                access: shared === undefined ? { clusterRole: `${config.namespace}-prometheus` } : { namespaces: [...new Set(readsIn)] },
                image: images.prometheus,
                config: renderPrometheusConfig({
                    platform: "kubernetes",
                    namespace: config.namespace,
                    monitoringNamespace: shared ?? namespaceName,
                    // cAdvisor's series of the class's other labs are not this lab's to see.
                    ...(shared === undefined ? {} : { onlyNamespaces: [config.namespace, namespaceName] }),
                    scrapeInterval: monitoring.scrapeInterval,
                    nodeExporterPort,
                    cadvisorPort,
                    selfAddress: `localhost:${prometheusPort}`,
                    mesh: args.sidecars,
                }),
                rules: files.rules,
                args: prometheusArgs({
                    configFile: prometheusPaths.config,
                    storagePath: prometheusPaths.storage,
                    retention: monitoring.retention,
                    listenAddress: `0.0.0.0:${prometheusPort}`,
                }),
                nodePort: args.nodePorts?.prometheus,
            },
            inNs,
        );

        if (monitoring.grafana) {
            const password = new random.RandomPassword(`${name}-grafana-password`, { length: 24, special: false }, child);
            this.grafanaAdminPassword = pulumi.secret(password.result);
            grafana(
                `${name}-grafana`,
                {
                    namespace: ns.metadata.name,
                    image: images.grafana,
                    provisioning: grafanaProvisioning({ prometheusUrl: `http://prometheus:${prometheusPort}`, scrapeInterval: monitoring.scrapeInterval }),
                    dashboards: files.dashboards,
                    adminPassword: this.grafanaAdminPassword,
                    nodePort: args.nodePorts?.grafana,
                },
                inNs,
            );
        }
        this.registerOutputs({ namespace: this.namespace });
    }
}

export { grafanaPort, prometheusPort };
