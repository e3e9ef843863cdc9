// The query sets the dashboards draw and the overview lists: each a named PromQL expression from
// promql.ts with what a panel needs to show it. Every expression itself lives in promql.ts.
import { containerCpuByVersionExpr, containerGrouping, containerMemoryByVersionExpr, defaultNamespace, defaultWindow, errorRatioExpr, jobs, MonitoringPlatform, p95LatencyExpr, processCpuExpr, processMemoryExpr, Query, QueryOptions, replicasExpr, requestsInWindowExpr, requestsPerSecondExpr, selector } from "./promql";

export * from "./promql";

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
