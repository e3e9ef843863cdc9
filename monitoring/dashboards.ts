// Grafana dashboards, generated with the Grafana Foundation SDK from the expressions in queries.ts, and
// the provisioning files that give Grafana its Prometheus datasource and load the dashboards.
import * as common from "@grafana/grafana-foundation-sdk/common";
import { DashboardBuilder, DashboardCursorSync, DataSourceRef } from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { stringify } from "yaml";
import { MonitoringPlatform, Query, QueryOptions, containerQueries, nodeQueries, versionQueries } from "./queries";

/** The provisioned datasource's uid: every panel and query points at it. */
export const datasourceUid = "prometheus";
export const datasource: DataSourceRef = { type: "prometheus", uid: datasourceUid };

export const dashboardUids = {
    overview: "rollout-lab-overview",
    nodes: "rollout-lab-nodes",
    containers: "rollout-lab-containers",
} as const;

export interface GeneratedDashboard {
    uid: string;
    title: string;
    /** The dashboard JSON, as Grafana's file provisioning reads it. */
    json: string;
}

export type DashboardOptions = QueryOptions & {
    /** Dashboard refresh (default 5s: a rollout is watched live). */
    refresh?: string;
    /** Time range shown (default the last 15 minutes). */
    timeFrom?: string;
};

function panel(id: number, q: Query, width: number): TimeseriesPanelBuilder {
    return new TimeseriesPanelBuilder()
        .id(id)
        .title(q.title)
        .description(q.description)
        .datasource(datasource)
        .unit(q.unit)
        .min(0)
        .height(8)
        .span(width)
        .lineWidth(2)
        .fillOpacity(10)
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).calcs(["lastNotNull", "max"]))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .withTarget(new DataqueryBuilder().refId("A").datasource(datasource).expr(q.expr).legendFormat(q.legend).range());
}

function build(uid: string, title: string, description: string, tags: string[], queries: Query[], options: DashboardOptions): GeneratedDashboard {
    const builder = new DashboardBuilder(title)
        .uid(uid)
        .description(description)
        .tags(["rollout-lab", ...tags])
        .refresh(options.refresh ?? "5s")
        .time({ from: options.timeFrom ?? "now-15m", to: "now" })
        .timezone("browser")
        .tooltip(DashboardCursorSync.Crosshair)
        // Explicit empty lists: Grafana's dashboard model iterates over both.
        .variables([])
        .annotations([])
        .readonly();
    queries.forEach((q, i) => builder.withPanel(panel(i + 1, q, 12)));
    return { uid, title, json: JSON.stringify(builder.build(), null, 2) };
}

function platformName(platform: MonitoringPlatform): string {
    return platform === "kubernetes" ? "Kubernetes" : platform === "swarm" ? "Swarm" : "static targets";
}

/**
 * The strategy overview: traffic, errors and latency by version, how many copies of each, and what they
 * cost. CPU and memory come from cAdvisor where it runs (Kubernetes, Swarm) and, everywhere, from the
 * app's own process metrics.
 */
export function strategyOverviewDashboard(options: DashboardOptions): GeneratedDashboard {
    const q = versionQueries(options);
    const panels = [q.requestsPerSecond, q.errorRatio, q.p95Latency, q.replicas];
    if (options.platform !== "static") {
        panels.push(q.containerCpu, q.containerMemory);
    }
    panels.push(q.processCpu, q.processMemory);
    return build(dashboardUids.overview, "Rollout lab: strategy overview", `Stable and candidate side by side (${platformName(options.platform)}).`, ["strategy"], panels, options);
}

/** The node view: CPU, memory, load and network of each node, from node-exporter. */
export function nodeDashboard(options: DashboardOptions): GeneratedDashboard {
    const q = nodeQueries(options);
    return build(dashboardUids.nodes, "Rollout lab: nodes", "Each node, from node-exporter.", ["node-exporter"], Object.values(q), options);
}

/** The container view: CPU, memory and network of every container, from cAdvisor. */
export function containerDashboard(options: DashboardOptions): GeneratedDashboard {
    const q = containerQueries(options);
    return build(dashboardUids.containers, "Rollout lab: containers", `Every container, from cAdvisor (${platformName(options.platform)}).`, ["cadvisor"], Object.values(q), options);
}

export function allDashboards(options: DashboardOptions): GeneratedDashboard[] {
    return [strategyOverviewDashboard(options), nodeDashboard(options), containerDashboard(options)];
}

export interface GrafanaProvisioningSpec {
    /** How Grafana reaches Prometheus, e.g. http://prometheus:9090. */
    prometheusUrl: string;
    /** Folder inside the Grafana container holding the dashboard JSON files. */
    dashboardsPath?: string;
    /** Prometheus's scrape interval: Grafana's minimum step ($__interval) for this datasource. */
    scrapeInterval?: string;
    /** Grafana folder the dashboards appear in. */
    folder?: string;
}

export interface GrafanaProvisioning {
    /** provisioning/datasources/<file>: the Prometheus datasource with the fixed uid. */
    datasourcesYaml: string;
    /** provisioning/dashboards/<file>: a file provider reading dashboardsPath. */
    dashboardProvidersYaml: string;
    dashboardsPath: string;
}

export const defaultDashboardsPath = "/var/lib/grafana/dashboards";

export function grafanaProvisioning(spec: GrafanaProvisioningSpec): GrafanaProvisioning {
    const dashboardsPath = spec.dashboardsPath ?? defaultDashboardsPath;
    const header = "# Generated by rollout-lab (monitoring/dashboards.ts).\n";
    const datasources = {
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: datasourceUid,
                type: "prometheus",
                access: "proxy",
                url: spec.prometheusUrl,
                isDefault: true,
                editable: false,
                jsonData: { timeInterval: spec.scrapeInterval ?? "15s", httpMethod: "POST" },
            },
        ],
    };
    const providers = {
        apiVersion: 1,
        providers: [
            {
                name: "rollout-lab",
                orgId: 1,
                folder: spec.folder ?? "Rollout lab",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                updateIntervalSeconds: 10,
                options: { path: dashboardsPath, foldersFromFilesStructure: false },
            },
        ],
    };
    return {
        datasourcesYaml: header + stringify(datasources, { lineWidth: 0, aliasDuplicateObjects: false }),
        dashboardProvidersYaml: header + stringify(providers, { lineWidth: 0, aliasDuplicateObjects: false }),
        dashboardsPath,
    };
}
