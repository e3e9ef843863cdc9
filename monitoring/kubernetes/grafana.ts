import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { uiService } from "../../components/kubernetes/uiService";
import { GeneratedDashboard, GrafanaProvisioning } from "../dashboards";
import { hardenedContainer, hardenedPod } from "../../components/kubernetes/hardening";

// Grafana on Kubernetes with its datasource and dashboards provisioned from files the program
// generates, and its admin password from a Secret (the password itself is a Pulumi secret).

export const grafanaPort = 3000;

export interface GrafanaArgs {
    namespace: pulumi.Input<string>;
    image: string;
    provisioning: GrafanaProvisioning;
    dashboards: GeneratedDashboard[];
    adminPassword: pulumi.Output<string>;
    /** NodePort the Service listens on (kind maps it to 127.0.0.1); ClusterIP when undefined. */
    nodePort?: number;
}

export function grafana(name: string, args: GrafanaArgs, opts: pulumi.CustomResourceOptions): { service: k8s.core.v1.Service } {
    const labels = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/part-of": "rollout-lab" };
    const admin = new k8s.core.v1.Secret(
        `${name}-admin`,
        { metadata: { name: "grafana-admin", namespace: args.namespace, labels }, stringData: { user: "admin", password: args.adminPassword } },
        opts,
    );
    const provisioning = new k8s.core.v1.ConfigMap(
        `${name}-provisioning`,
        {
            metadata: { name: "grafana-provisioning", namespace: args.namespace, labels },
            data: { "datasources.yml": args.provisioning.datasourcesYaml, "dashboards.yml": args.provisioning.dashboardProvidersYaml },
        },
        opts,
    );
    const dashboards = new k8s.core.v1.ConfigMap(
        `${name}-dashboards`,
        {
            metadata: { name: "grafana-dashboards", namespace: args.namespace, labels },
            data: Object.fromEntries(args.dashboards.map((d) => [`${d.uid}.json`, d.json])),
        },
        opts,
    );
    new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name: "grafana", namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": "grafana" } },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: hardenedPod(472, 472, 472),
                        containers: [
                            {
                                name: "grafana",
                                image: args.image,
                                env: [
                                    { name: "GF_SECURITY_ADMIN_USER", valueFrom: { secretKeyRef: { name: admin.metadata.name, key: "user" } } },
                                    { name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: admin.metadata.name, key: "password" } } },
                                    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
                                    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
                                    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
                                    { name: "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", value: `${args.provisioning.dashboardsPath}/rollout-lab-overview.json` },
                                ],
                                ports: [{ name: "http", containerPort: grafanaPort }],
                                readinessProbe: { httpGet: { path: "/api/health", port: "http" }, periodSeconds: 5 },
                                livenessProbe: { httpGet: { path: "/api/health", port: "http" }, periodSeconds: 20, initialDelaySeconds: 30 },
                                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                                securityContext: hardenedContainer,
                                volumeMounts: [
                                    { name: "provisioning", mountPath: "/etc/grafana/provisioning/datasources/rollout-lab.yml", subPath: "datasources.yml", readOnly: true },
                                    { name: "provisioning", mountPath: "/etc/grafana/provisioning/dashboards/rollout-lab.yml", subPath: "dashboards.yml", readOnly: true },
                                    { name: "dashboards", mountPath: args.provisioning.dashboardsPath, readOnly: true },
                                    { name: "data", mountPath: "/var/lib/grafana" },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "provisioning", configMap: { name: provisioning.metadata.name } },
                            { name: "dashboards", configMap: { name: dashboards.metadata.name } },
                            { name: "data", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        opts,
    );
    const service = uiService(`${name}-svc`, "grafana", { name: "http", number: grafanaPort, nodePort: args.nodePort }, args.namespace, opts);
    return { service };
}
