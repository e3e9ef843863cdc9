// prometheus.yml for the lab, from what the platform knows about the app and the exporters.
//
// - kubernetes: service discovery through the API server (Prometheus runs in the cluster and needs
//   RBAC to list pods). The app's pods are found by their labels; node-exporter and cAdvisor are
//   DaemonSets in the monitoring namespace, found by app.kubernetes.io/name.
// - swarm: Docker's DNS. Each app service is `endpoint_mode: dnsrr`, so `tasks.<service>` resolves to
//   one A record per running task; node-exporter and cAdvisor are global services found the same way.
// - static: fixed addresses, for the real-component tests on 127.0.0.1.
import { stringify } from "yaml";
import { jobs } from "./queries";

export const defaultRulesFile = "/etc/prometheus/rules/rollout-lab.rules.yml";

interface CommonSpec {
    /** How often every target is scraped (and the rules evaluated), e.g. "15s". */
    scrapeInterval: string;
    /** Rule evaluation interval; defaults to scrapeInterval. */
    evaluationInterval?: string;
    /** Rule files to load; default [defaultRulesFile]. */
    ruleFiles?: string[];
    /** Where Prometheus scrapes itself; default localhost:9090. */
    selfAddress?: string;
    /** Labels added to every series this Prometheus sends elsewhere (federation, remote write). */
    externalLabels?: Record<string, string>;
}

export interface KubernetesTargets extends CommonSpec {
    platform: "kubernetes";
    /** Namespace of the app's pods (rollout-lab). */
    namespace: string;
    /** Namespace of the node-exporter and cAdvisor DaemonSets (default "monitoring"). */
    monitoringNamespace?: string;
    /** Container port of node-exporter (default 9100) and of cAdvisor (default 8080), as declared in their pods. */
    nodeExporterPort?: number;
    cadvisorPort?: number;
    /**
     * Shared exporters: only these namespaces' containers (names, no regex) are kept from cAdvisor (and the node's own
     * cgroups, which carry no namespace); all namespaces when absent.
     */
    onlyNamespaces?: string[];
    /** The mesh whose proxies are scraped too: Envoy's stats for Istio (what Kiali reads), linkerd-proxy's. */
    mesh?: { kind: "istio" | "linkerd"; namespaces: string[] };
}

export interface SwarmTargets extends CommonSpec {
    platform: "swarm";
    /** The lab's namespace: the prefix of the exporters' service names (default "rollout-lab"). */
    namespace?: string;
    /** Full names of the app's services, e.g. rollout-lab-demo-blue. */
    services: string[];
    /** Port the app listens on in its tasks (default 8080). */
    appPort?: number;
    /** How often Docker's DNS is asked again (default 5s: tasks come and go during a rollout). */
    dnsRefreshInterval?: string;
}

export interface StaticTargets extends CommonSpec {
    platform: "static";
    /** `pod` stands in for the pod name Kubernetes discovery would add, to test the Kubernetes joins. */
    app: { address: string; version: string; pod?: string }[];
    nodeExporter: string[];
    cadvisor?: string[];
}

export type PrometheusSpec = KubernetesTargets | SwarmTargets | StaticTargets;

type RelabelConfig = {
    source_labels?: string[];
    separator?: string;
    regex?: string;
    target_label?: string;
    replacement?: string;
    action?: "replace" | "keep" | "drop" | "labelmap" | "labeldrop" | "labelkeep";
};

type ScrapeConfig = Record<string, unknown> & { job_name: string };

/** `__meta_kubernetes_pod_label_<name>` for a pod label, as Prometheus spells it. */
export function podLabelMeta(label: string): string {
    return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

function copy(source: string, target: string): RelabelConfig {
    return { source_labels: [source], target_label: target };
}

function keep(source: string, regex: string): RelabelConfig {
    return { source_labels: [source], regex, action: "keep" };
}

function kubernetesJobs(spec: KubernetesTargets): ScrapeConfig[] {
    const monitoringNamespace = spec.monitoringNamespace ?? "monitoring";
    const pods = (namespace: string) => ({ kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }] });
    const placement: RelabelConfig[] = [
        copy("__meta_kubernetes_namespace", "namespace"),
        copy("__meta_kubernetes_pod_name", "pod"),
        copy("__meta_kubernetes_pod_node_name", "node"),
    ];
    // The pod role gives one target per declared container port: keep the one that serves metrics.
    const daemonSet = (job: string, name: string, port: number): ScrapeConfig => ({
        job_name: job,
        ...pods(monitoringNamespace),
        relabel_configs: [
            keep(podLabelMeta("app.kubernetes.io/name"), name),
            keep("__meta_kubernetes_pod_container_port_number", String(port)),
            keep("__meta_kubernetes_pod_phase", "Running"),
            ...placement,
            // One exporter per node: name the target after its node rather than a pod IP.
            copy("__meta_kubernetes_pod_node_name", "instance"),
        ],
    });
    return [
        ...meshJobs(spec, placement),
        {
            job_name: jobs.app,
            metrics_path: "/metrics",
            ...pods(spec.namespace),
            relabel_configs: [
                keep(podLabelMeta("app.kubernetes.io/name"), "demo-app"),
                keep("__meta_kubernetes_pod_container_name", "app"),
                keep("__meta_kubernetes_pod_container_port_name", "http"),
                keep("__meta_kubernetes_pod_phase", "Running"),
                copy(podLabelMeta("app.kubernetes.io/version"), "version"),
                copy(podLabelMeta("rollout-lab/color"), "color"),
                copy(podLabelMeta("rollout-lab/role"), "role"),
                ...placement,
            ],
        },
        daemonSet(jobs.nodeExporter, "node-exporter", spec.nodeExporterPort ?? 9100),
        {
            ...daemonSet(jobs.cadvisor, "cadvisor", spec.cadvisorPort ?? 8080),
            ...(spec.onlyNamespaces === undefined
                ? {}
                : { metric_relabel_configs: [keep("container_label_io_kubernetes_pod_namespace", `|${spec.onlyNamespaces.join("|")}`)] }),
        },
    ];
}

/** A sidecar's metrics port in every meshed pod of the lab, and the mesh's control plane. */
function meshJobs(spec: KubernetesTargets, placement: RelabelConfig[]): ScrapeConfig[] {
    if (spec.mesh === undefined) {
        return [];
    }
    const sd = { kubernetes_sd_configs: [{ role: "pod", namespaces: { names: spec.mesh.namespaces } }] };
    const sidecar = (job: string, container: string, portName: string, path: string): ScrapeConfig => ({
        job_name: job,
        metrics_path: path,
        ...sd,
        relabel_configs: [
            keep("__meta_kubernetes_pod_container_name", container),
            keep("__meta_kubernetes_pod_container_port_name", portName),
            keep("__meta_kubernetes_pod_phase", "Running"),
            copy(podLabelMeta("app.kubernetes.io/version"), "version"),
            copy(podLabelMeta("rollout-lab/role"), "role"),
            ...placement,
        ],
    });
    if (spec.mesh.kind === "istio") {
        return [
            // Envoy's own stats (istio_requests_total and friends), what Kiali draws its graph from.
            sidecar("istio-envoy", "istio-proxy", "http-envoy-prom", "/stats/prometheus"),
            {
                job_name: "istiod",
                kubernetes_sd_configs: [{ role: "pod", namespaces: { names: ["istio-system"] } }],
                relabel_configs: [
                    keep("__meta_kubernetes_pod_label_app", "istiod"),
                    keep("__meta_kubernetes_pod_container_port_number", "15014"),
                    ...placement,
                ],
            },
        ];
    }
    return [sidecar("linkerd-proxy", "linkerd-proxy", "linkerd-admin", "/metrics")];
}

function swarmJobs(spec: SwarmTargets): ScrapeConfig[] {
    const namespace = spec.namespace ?? "rollout-lab";
    const refresh_interval = spec.dnsRefreshInterval ?? "5s";
    const dns = (names: string[], port: number) => ({ dns_sd_configs: [{ names, type: "A", port, refresh_interval }] });
    const serviceFromName: RelabelConfig = { source_labels: ["__meta_dns_name"], regex: "tasks\\.(.+)", target_label: "service", replacement: "$1" };
    return [
        {
            job_name: jobs.app,
            metrics_path: "/metrics",
            ...dns(
                spec.services.map((s) => `tasks.${s}`),
                spec.appPort ?? 8080,
            ),
            relabel_configs: [serviceFromName],
        },
        { job_name: jobs.nodeExporter, ...dns([`tasks.${namespace}-node-exporter`], 9100), relabel_configs: [serviceFromName] },
        { job_name: jobs.cadvisor, ...dns([`tasks.${namespace}-cadvisor`], 8080), relabel_configs: [serviceFromName] },
    ];
}

function staticJobs(spec: StaticTargets): ScrapeConfig[] {
    const out: ScrapeConfig[] = [
        {
            job_name: jobs.app,
            metrics_path: "/metrics",
            static_configs: spec.app.map((a) => ({ targets: [a.address], labels: { version: a.version, ...(a.pod ? { pod: a.pod } : {}) } })),
        },
        { job_name: jobs.nodeExporter, static_configs: [{ targets: spec.nodeExporter }] },
    ];
    if (spec.cadvisor && spec.cadvisor.length > 0) {
        out.push({ job_name: jobs.cadvisor, static_configs: [{ targets: spec.cadvisor }] });
    }
    return out;
}

/** The prometheus.yml text for one lab. */
export function renderPrometheusConfig(spec: PrometheusSpec): string {
    const platformJobs =
        spec.platform === "kubernetes" ? kubernetesJobs(spec) : spec.platform === "swarm" ? swarmJobs(spec) : staticJobs(spec);
    const config = {
        global: {
            scrape_interval: spec.scrapeInterval,
            evaluation_interval: spec.evaluationInterval ?? spec.scrapeInterval,
            ...(spec.externalLabels ? { external_labels: spec.externalLabels } : {}),
        },
        rule_files: spec.ruleFiles ?? [defaultRulesFile],
        scrape_configs: [{ job_name: jobs.prometheus, static_configs: [{ targets: [spec.selfAddress ?? "localhost:9090"] }] }, ...platformJobs],
    };
    return `# Generated by rollout-lab (monitoring/prometheusConfig.ts): edit the generator, not this file.\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

export interface PrometheusArgsSpec {
    configFile: string;
    storagePath: string;
    /** How long samples are kept, e.g. "15d" or "6h". */
    retention: string;
    /** Cap on the TSDB's size, e.g. "2GB"; whichever of time and size is reached first applies. */
    retentionSize?: string;
    /** Default 0.0.0.0:9090. */
    listenAddress?: string;
    /** Enables POST /-/reload so a changed config is picked up without a restart (default true). */
    enableLifecycle?: boolean;
}

/** The command line Prometheus runs with: retention and storage are flags, not prometheus.yml settings. */
export function prometheusArgs(spec: PrometheusArgsSpec): string[] {
    return [
        `--config.file=${spec.configFile}`,
        `--storage.tsdb.path=${spec.storagePath}`,
        `--storage.tsdb.retention.time=${spec.retention}`,
        ...(spec.retentionSize ? [`--storage.tsdb.retention.size=${spec.retentionSize}`] : []),
        `--web.listen-address=${spec.listenAddress ?? "0.0.0.0:9090"}`,
        ...(spec.enableLifecycle ?? true ? ["--web.enable-lifecycle"] : []),
    ];
}
