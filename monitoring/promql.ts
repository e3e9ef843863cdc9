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

export const defaultNamespace = "rollout-lab";
export const defaultWindow = "1m";

/** A PromQL label matcher value, quoted and escaped. */
export function quote(value: string): string {
    return JSON.stringify(value);
}

function escapeRegex(value: string): string {
    return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function selector(matchers: Record<string, string>, extra: string[] = []): string {
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

/** Mean request duration, by version, over the window: the histogram's sum over its count. */
export function meanLatencyExpr(window: string, version?: string): string {
    const m = selector(appMatchers(version));
    return `sum by (version) (rate(http_request_duration_seconds_sum${m}[${window}])) / sum by (version) (rate(http_request_duration_seconds_count${m}[${window}]))`;
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
export function containerGrouping(platform: MonitoringPlatform): { by: string; legend: string; filter: string } {
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
