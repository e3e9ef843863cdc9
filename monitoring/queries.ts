// Every PromQL expression the lab uses — dashboards, alert rules and the rollout tool — in one place.
//
// Where the labels come from:
// - The demo app's own metrics (`http_requests_total`, `http_request_duration_seconds`, `demo_app_info`)
//   carry `version`. On Kubernetes and in the static config the scrape target also gets a `version` label
//   (from the pod label app.kubernetes.io/version, or the static target's labels); Prometheus keeps the
//   target's and renames the app's to `exported_version` (honor_labels is off). Both are set from the
//   same release config, so `version` is the release version on every platform.
// - Node's process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`) carry no
//   version of their own: they are joined to `demo_app_info` on the scrape target (`instance`, `job`).
// - cAdvisor knows containers, not releases. On Swarm the version is the task's `VERSION` variable, which
//   cAdvisor exports when run with `--env_metadata_whitelist=VERSION` as `container_env_version` (it
//   lowercases the variable's name); the app's tasks carry no version label, because changing a container
//   label makes the docker provider replace the Service. On Kubernetes the container runtime's labels
//   name the pod (`container_label_io_kubernetes_pod_name`), which is joined to the pod's version through
//   `demo_app_info` (whose `pod` and `version` come from the pod's metadata).

/** Scrape job names: the Prometheus config names its jobs with these, every query selects on them. */
export const jobs = {
    prometheus: "prometheus",
    app: "demo-app",
    nodeExporter: "node-exporter",
    cadvisor: "cadvisor",
} as const;

export type MonitoringPlatform = "kubernetes" | "swarm" | "static";

export interface QueryOptions {
    /** Decides how cAdvisor's containers are tied to versions (see above). */
    platform: MonitoringPlatform;
    /** The app's namespace: Kubernetes namespace, or the prefix of the Swarm service names. */
    namespace?: string;
    /** Range of rate() and friends (default 1m: at least four scrapes at the 15 s default interval). */
    rateWindow?: string;
}

/** One expression with what a panel needs to show it. */
export interface Query {
    /** Stable identifier, e.g. `version.errorRatio`. */
    id: string;
    title: string;
    expr: string;
    /** Grafana unit id (reqps, percentunit, s, bytes, ...). */
    unit: string;
    /** Grafana legend format, e.g. `{{version}}`. */
    legend: string;
    /** What the series mean, shown as the panel description. */
    description: string;
}

const defaultNamespace = "rollout-lab";
const defaultWindow = "1m";

/** A PromQL label matcher value, quoted and escaped. */
export function quote(value: string): string {
    return JSON.stringify(value);
}

function escapeRegex(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function selector(matchers: Record<string, string>, extra: string[] = []): string {
    const parts = Object.entries(matchers).map(([k, v]) => `${k}=${quote(v)}`);
    return `{${[...parts, ...extra].join(", ")}}`;
}

/** Optional restriction of the app's series to one version (the candidate, for alerts). */
function appMatchers(version?: string): Record<string, string> {
    return version === undefined ? { job: jobs.app } : { job: jobs.app, version };
}

// ---- the app's own metrics, by version ----

/** Requests per second answered by each version (every status code). */
export function requestsPerSecondExpr(window: string, version?: string): string {
    return `sum by (version) (rate(http_requests_total${selector(appMatchers(version))}[${window}]))`;
}

/**
 * Share of requests answered with 5xx, by version. A version with no 5xx series at all gets 0 (not
 * "no data"): the `or ... * 0` arm fills it from the all-requests rate.
 */
export function errorRatioExpr(window: string, version?: string): string {
    const m = appMatchers(version);
    const all = `sum by (version) (rate(http_requests_total${selector(m)}[${window}]))`;
    const errors = `sum by (version) (rate(http_requests_total${selector(m, ['code=~"5.."'])}[${window}]))`;
    return `(${errors} or ${all} * 0) / ${all}`;
}

/** Requests answered by each version within the window (every status code): how much a figure rests on. */
export function requestsInWindowExpr(window: string, version?: string): string {
    return `sum by (version) (increase(http_requests_total${selector(appMatchers(version))}[${window}]))`;
}

/** 95th percentile of the request duration, by version, from the histogram's buckets. */
export function p95LatencyExpr(window: string, version?: string): string {
    return `histogram_quantile(0.95, sum by (le, version) (rate(http_request_duration_seconds_bucket${selector(appMatchers(version))}[${window}])))`;
}

/** Copies of each version being scraped successfully: demo_app_info per target, kept where `up == 1`. */
export function replicasExpr(): string {
    const m = selector({ job: jobs.app });
    return `count by (version) (max by (instance, job, version) (demo_app_info${m}) and on (instance, job) (up${m} == 1))`;
}

/** A process metric of the app (no version label of its own) given the version of its target. */
function joinVersion(inner: string): string {
    return `sum by (version) (${inner} * on (instance, job) group_left (version) max by (instance, job, version) (demo_app_info${selector({ job: jobs.app })}))`;
}

/** CPU cores used by each version, from Node's own process metrics: needs no cAdvisor. */
export function processCpuExpr(window: string): string {
    return joinVersion(`rate(process_cpu_seconds_total${selector({ job: jobs.app })}[${window}])`);
}

/** Resident memory of each version, from Node's own process metrics: needs no cAdvisor. */
export function processMemoryExpr(): string {
    return joinVersion(`process_resident_memory_bytes${selector({ job: jobs.app })}`);
}

// ---- cAdvisor ----

/** The app's containers in cAdvisor's series, for one platform. */
function cadvisorAppSelector(platform: MonitoringPlatform, namespace: string): string {
    const job = { job: jobs.cadvisor };
    if (platform === "kubernetes") {
        return selector({ ...job, container_label_io_kubernetes_pod_namespace: namespace, container_label_io_kubernetes_container_name: "app" });
    }
    return selector(job, [
        `container_label_com_docker_swarm_service_name=~${quote(`${escapeRegex(namespace)}-demo-.+`)}`,
        'container_env_version!=""',
    ]);
}

/** Sums a cAdvisor series of the app's containers by release version. */
function cadvisorByVersion(platform: MonitoringPlatform, namespace: string, inner: (sel: string) => string): string {
    const sel = cadvisorAppSelector(platform, namespace);
    if (platform === "kubernetes") {
        const withPod = `label_replace(${inner(sel)}, "pod", "$1", "container_label_io_kubernetes_pod_name", "(.+)")`;
        return `sum by (version) (${withPod} * on (pod) group_left (version) max by (pod, version) (demo_app_info${selector({ job: jobs.app })}))`;
    }
    return `sum by (version) (label_replace(${inner(sel)}, "version", "$1", "container_env_version", "(.+)"))`;
}

export function containerCpuByVersionExpr(platform: MonitoringPlatform, namespace: string, window: string): string {
    return cadvisorByVersion(platform, namespace, (sel) => `rate(container_cpu_usage_seconds_total${sel}[${window}])`);
}

export function containerMemoryByVersionExpr(platform: MonitoringPlatform, namespace: string): string {
    return cadvisorByVersion(platform, namespace, (sel) => `container_memory_working_set_bytes${sel}`);
}

/** The labels that name one container in cAdvisor's series, per platform. */
function containerGrouping(platform: MonitoringPlatform): { by: string; legend: string; filter: string } {
    if (platform === "kubernetes") {
        return {
            by: "container_label_io_kubernetes_pod_namespace, container_label_io_kubernetes_pod_name, container_label_io_kubernetes_container_name",
            legend: "{{container_label_io_kubernetes_pod_namespace}}/{{container_label_io_kubernetes_pod_name}}/{{container_label_io_kubernetes_container_name}}",
            // Pod sandboxes (where Kubernetes counts a pod's network) carry the pod's name but no container name.
            filter: 'container_label_io_kubernetes_pod_name!=""',
        };
    }
    return { by: "name", legend: "{{name}}", filter: 'name!=""' };
}

// ---- the query sets ----

function resolve(options: QueryOptions): { platform: MonitoringPlatform; namespace: string; window: string } {
    return { platform: options.platform, namespace: options.namespace ?? defaultNamespace, window: options.rateWindow ?? defaultWindow };
}

/** The strategy overview: each release side by side. */
export function versionQueries(options: QueryOptions) {
    const { platform, namespace, window } = resolve(options);
    return {
        requestsPerSecond: {
            id: "version.requestsPerSecond",
            title: "Requests/s by version",
            expr: requestsPerSecondExpr(window),
            unit: "reqps",
            legend: "{{version}}",
            description: "Requests answered per second by each version (all status codes).",
        },
        errorRatio: {
            id: "version.errorRatio",
            title: "Error ratio by version (5xx / all)",
            expr: errorRatioExpr(window),
            unit: "percentunit",
            legend: "{{version}}",
            description: "Share of each version's requests answered with a 5xx status.",
        },
        p95Latency: {
            id: "version.p95Latency",
            title: "p95 latency by version",
            expr: p95LatencyExpr(window),
            unit: "s",
            legend: "{{version}}",
            description: "95th percentile of the time to answer, from the request-duration histogram.",
        },
        replicas: {
            id: "version.replicas",
            title: platform === "swarm" ? "Tasks by version" : platform === "kubernetes" ? "Pods by version" : "Replicas by version",
            expr: replicasExpr(),
            unit: "short",
            legend: "{{version}}",
            description: "Copies of each version that Prometheus scrapes successfully (up == 1).",
        },
        containerCpu: {
            id: "version.containerCpu",
            title: "CPU by version (cAdvisor)",
            expr: containerCpuByVersionExpr(platform, namespace, window),
            unit: "short",
            legend: "{{version}}",
            description: "CPU cores used by each version's containers, measured by cAdvisor.",
        },
        containerMemory: {
            id: "version.containerMemory",
            title: "Memory by version (cAdvisor)",
            expr: containerMemoryByVersionExpr(platform, namespace),
            unit: "bytes",
            legend: "{{version}}",
            description: "Working-set memory of each version's containers, measured by cAdvisor.",
        },
        processCpu: {
            id: "version.processCpu",
            title: "CPU by version (app process)",
            expr: processCpuExpr(window),
            unit: "short",
            legend: "{{version}}",
            description: "CPU cores used by each version's Node.js processes, from their own metrics joined to demo_app_info.",
        },
        processMemory: {
            id: "version.processMemory",
            title: "Memory by version (app process)",
            expr: processMemoryExpr(),
            unit: "bytes",
            legend: "{{version}}",
            description: "Resident memory of each version's Node.js processes, from their own metrics joined to demo_app_info.",
        },
    } satisfies Record<string, Query>;
}

/** The node view: each host, from node-exporter. */
export function nodeQueries(options: Pick<QueryOptions, "rateWindow"> = {}) {
    const window = options.rateWindow ?? defaultWindow;
    const ne = selector({ job: jobs.nodeExporter });
    const nic = selector({ job: jobs.nodeExporter }, ['device!~"lo|veth.*|docker.*|br-.*|ifb.*"']);
    return {
        cpuBusy: {
            id: "node.cpuBusy",
            title: "Node CPU busy",
            expr: `1 - avg by (instance) (rate(node_cpu_seconds_total${selector({ job: jobs.nodeExporter, mode: "idle" })}[${window}]))`,
            unit: "percentunit",
            legend: "{{instance}}",
            description: "Share of CPU time not idle, averaged over each node's CPUs.",
        },
        memoryUsed: {
            id: "node.memoryUsed",
            title: "Node memory used",
            expr: `sum by (instance) (node_memory_MemTotal_bytes${ne} - node_memory_MemAvailable_bytes${ne})`,
            unit: "bytes",
            legend: "{{instance}}",
            description: "Memory in use: total minus what the kernel says is available.",
        },
        memoryUsedRatio: {
            id: "node.memoryUsedRatio",
            title: "Node memory used (share)",
            expr: `1 - sum by (instance) (node_memory_MemAvailable_bytes${ne}) / sum by (instance) (node_memory_MemTotal_bytes${ne})`,
            unit: "percentunit",
            legend: "{{instance}}",
            description: "Memory in use as a share of the node's memory.",
        },
        load1: {
            id: "node.load1",
            title: "Node load (1m)",
            expr: `max by (instance) (node_load1${ne})`,
            unit: "short",
            legend: "{{instance}}",
            description: "One-minute load average.",
        },
        networkReceive: {
            id: "node.networkReceive",
            title: "Node network received",
            expr: `sum by (instance) (rate(node_network_receive_bytes_total${nic}[${window}]))`,
            unit: "Bps",
            legend: "{{instance}}",
            description: "Bytes per second received on physical interfaces (loopback, veth, bridges excluded).",
        },
        networkTransmit: {
            id: "node.networkTransmit",
            title: "Node network sent",
            expr: `sum by (instance) (rate(node_network_transmit_bytes_total${nic}[${window}]))`,
            unit: "Bps",
            legend: "{{instance}}",
            description: "Bytes per second sent on physical interfaces (loopback, veth, bridges excluded).",
        },
    } satisfies Record<string, Query>;
}

/** The container view: every container on every node, from cAdvisor. */
export function containerQueries(options: QueryOptions) {
    const { platform, window } = resolve(options);
    const g = containerGrouping(platform);
    const sel = selector({ job: jobs.cadvisor }, [g.filter]);
    return {
        cpu: {
            id: "container.cpu",
            title: "Container CPU",
            expr: `sum by (${g.by}) (rate(container_cpu_usage_seconds_total${sel}[${window}]))`,
            unit: "short",
            legend: g.legend,
            description: "CPU cores used by each container.",
        },
        memory: {
            id: "container.memory",
            title: "Container memory (working set)",
            expr: `sum by (${g.by}) (container_memory_working_set_bytes${sel})`,
            unit: "bytes",
            legend: g.legend,
            description: "Working-set memory of each container (what the OOM killer looks at).",
        },
        networkReceive: {
            id: "container.networkReceive",
            title: "Container network received",
            expr: `sum by (${g.by}) (rate(container_network_receive_bytes_total${sel}[${window}]))`,
            unit: "Bps",
            legend: g.legend,
            description: "Bytes per second received by each container (on Kubernetes, counted on the pod's sandbox).",
        },
        count: {
            id: "container.count",
            title: "Containers per node",
            expr: `count by (instance) (container_last_seen${sel})`,
            unit: "short",
            legend: "{{instance}}",
            description: "Containers cAdvisor sees on each node.",
        },
    } satisfies Record<string, Query>;
}

/**
 * The candidate's health, as the alert rules and the rollout tool read it: the same expressions as the
 * overview's, restricted to one version.
 */
export function candidateQueries(version: string, options: Pick<QueryOptions, "rateWindow"> = {}) {
    const window = options.rateWindow ?? defaultWindow;
    return {
        errorRatio: {
            id: "candidate.errorRatio",
            title: `Error ratio of ${version}`,
            expr: errorRatioExpr(window, version),
            unit: "percentunit",
            legend: "{{version}}",
            description: `Share of ${version}'s requests answered with a 5xx status.`,
        },
        requests: {
            id: "candidate.requests",
            title: `Requests to ${version}`,
            expr: requestsInWindowExpr(window, version),
            unit: "short",
            legend: "{{version}}",
            description: `Requests ${version} answered within the window: how much its error ratio and p95 rest on.`,
        },
        p95Latency: {
            id: "candidate.p95Latency",
            title: `p95 latency of ${version}`,
            expr: p95LatencyExpr(window, version),
            unit: "s",
            legend: "{{version}}",
            description: `95th percentile of ${version}'s time to answer.`,
        },
    } satisfies Record<string, Query>;
}

/** Every query of every set for one platform, keyed by id (what the tests walk through). */
export function allQueries(options: QueryOptions & { candidateVersion?: string }): Record<string, Query> {
    const sets: Query[] = [
        ...Object.values(versionQueries(options)),
        ...Object.values(nodeQueries(options)),
        ...Object.values(containerQueries(options)),
        ...(options.candidateVersion ? Object.values(candidateQueries(options.candidateVersion, options)) : []),
    ];
    return Object.fromEntries(sets.map((q) => [q.id, q]));
}
