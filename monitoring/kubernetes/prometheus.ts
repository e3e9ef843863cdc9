import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { uiService } from "../../components/kubernetes/uiService";
import { hardenedContainer, hardenedPod } from "../../components/kubernetes/hardening";

// Prometheus on Kubernetes: the RBAC its pod discovery needs (read pods, nothing more), its config and
// rules in a ConfigMap, one replica with an emptyDir (a lab's history lives as long as its pod).

export const prometheusPort = 9090;

export interface PrometheusArgs {
    namespace: pulumi.Input<string>;
    /**
     * What it may read (pods, for its discovery): a cluster role of this name (one per lab, so labs side by
     * side do not collide), or a role in each of these namespaces and nothing cluster-wide.
     */
    access: { clusterRole: string } | { namespaces: string[] };
    image: string;
    /** prometheus.yml */
    config: string;
    /** The alert rules file. */
    rules: string;
    /** Command line (config file, storage, retention). */
    args: string[];
    /** NodePort the Service listens on (kind maps it to 127.0.0.1); ClusterIP when undefined. */
    nodePort?: number;
}

export const prometheusPaths = { config: "/etc/prometheus/prometheus.yml", rulesDir: "/etc/prometheus/rules", storage: "/prometheus" };

export function prometheus(name: string, args: PrometheusArgs, opts: pulumi.CustomResourceOptions): { service: k8s.core.v1.Service; deployment: k8s.apps.v1.Deployment } {
    const labels = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "rollout-lab" };
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: "prometheus", namespace: args.namespace, labels } }, opts);
    podReader(name, args, account, opts);
    const files = new k8s.core.v1.ConfigMap(
        `${name}-config`,
        { metadata: { name: "prometheus-config", namespace: args.namespace, labels }, data: { "prometheus.yml": args.config, "rollout-lab.rules.yml": args.rules } },
        opts,
    );
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: { name: "prometheus", namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                // One TSDB at a time: a surge pod would fight the old one for nothing.
                strategy: { type: "Recreate" },
                selector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                template: {
                    metadata: {
                        labels,
                        // A config change rolls the pod, which reads the new files at start.
                        annotations: { "rollout-lab/config-hash": pulumi.output(args.config + args.rules).apply(hash) },
                    },
                    spec: {
                        serviceAccountName: account.metadata.name,
                        securityContext: hardenedPod(65534, 65534, 65534),
                        containers: [
                            {
                                name: "prometheus",
                                image: args.image,
                                args: args.args,
                                ports: [{ name: "web", containerPort: prometheusPort }],
                                readinessProbe: { httpGet: { path: "/-/ready", port: "web" }, periodSeconds: 5 },
                                livenessProbe: { httpGet: { path: "/-/healthy", port: "web" }, periodSeconds: 15 },
                                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                                securityContext: hardenedContainer,
                                volumeMounts: [
                                    { name: "config", mountPath: prometheusPaths.config, subPath: "prometheus.yml", readOnly: true },
                                    { name: "config", mountPath: `${prometheusPaths.rulesDir}/rollout-lab.rules.yml`, subPath: "rollout-lab.rules.yml", readOnly: true },
                                    { name: "data", mountPath: prometheusPaths.storage },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "config", configMap: { name: files.metadata.name } },
                            { name: "data", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        opts,
    );
    const service = uiService(`${name}-svc`, "prometheus", { name: "web", number: prometheusPort, nodePort: args.nodePort }, args.namespace, opts);
    return { service, deployment };
}

const discoveryReads = [{ apiGroups: [""], resources: ["pods", "nodes", "services", "endpoints"], verbs: ["get", "list", "watch"] }];

function podReader(name: string, args: PrometheusArgs, account: k8s.core.v1.ServiceAccount, opts: pulumi.CustomResourceOptions): void {
    const labels = { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "rollout-lab" };
    const subjects = [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }];
    const { access } = args;
    if ("clusterRole" in access) {
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, { metadata: { name: access.clusterRole, labels }, rules: discoveryReads }, opts);
        const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name };
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, { metadata: { name: access.clusterRole, labels }, roleRef, subjects }, opts);
        return;
    }
    // Namespaced: pods only (nodes are cluster-wide), under one name per lab in every namespace it reads.
    const roleName = pulumi.interpolate`${args.namespace}-prometheus`;
    for (const namespace of access.namespaces) {
        const metadata = { name: roleName, namespace, labels };
        const role = new k8s.rbac.v1.Role(`${name}-role-${namespace}`, { metadata, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }] }, opts);
        new k8s.rbac.v1.RoleBinding(`${name}-binding-${namespace}`, { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects }, opts);
    }
}

function hash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
