import { LabConfig } from "../components/config";
import { renderAlertRules } from "./alertRules";
import { DashboardOptions, allDashboards } from "./dashboards";
import { MonitoringPlatform } from "./queries";

/** What both platforms' monitoring share: the alert rules and dashboards generated from the config. */
export function monitoringFiles(config: LabConfig, platform: MonitoringPlatform) {
    const { monitoring } = config;
    const options: DashboardOptions = { platform, namespace: config.namespace };
    return {
        rules: renderAlertRules({
            candidateVersion: config.candidate.version,
            errorRatioThreshold: monitoring.alerts.errorRatio,
            p95LatencyThresholdSeconds: monitoring.alerts.p95LatencySeconds,
            forDuration: monitoring.alerts.for,
        }),
        dashboards: allDashboards(options),
    };
}
