import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { hardenedContainer, hardenedPod } from "../../components/kubernetes/hardening";

// node-exporter and cAdvisor on every node, as DaemonSets the lab owns. Prometheus finds their pods by
// `app.kubernetes.io/name` in the monitoring namespace (monitoring/prometheusConfig.ts).

export const nodeExporterPort = 9100;
export const cadvisorPort = 8080;

export interface ExporterArgs {
    namespace: pulumi.Input<string>;
    nodeExporterImage: string;
    cadvisorImage: string;
}

const everyNode = [{ operator: "Exists", effect: "NoSchedule" }];

function hostPathVolume(name: string, hostPath: string): k8s.types.input.core.v1.Volume {
    return { name, hostPath: { path: hostPath } };
}

export function nodeExporter(name: string, args: ExporterArgs, opts: pulumi.CustomResourceOptions): k8s.apps.v1.DaemonSet {
    const labels = { "app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/part-of": "rollout-lab" };
    return new k8s.apps.v1.DaemonSet(
        name,
        {
            metadata: { name: "node-exporter", namespace: args.namespace, labels },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": "node-exporter" } },
                template: {
                    metadata: { labels },
                    spec: {
                        tolerations: everyNode,
                        automountServiceAccountToken: false,
                        securityContext: hardenedPod(65534),
                        containers: [
                            {
                                name: "node-exporter",
                                image: args.nodeExporterImage,
                                args: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root", `--web.listen-address=:${nodeExporterPort}`],
                                ports: [{ name: "metrics", containerPort: nodeExporterPort }],
                                readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 10 },
                                livenessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 20 },
                                resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
                                securityContext: hardenedContainer,
                                volumeMounts: [
                                    { name: "proc", mountPath: "/host/proc", readOnly: true },
                                    { name: "sys", mountPath: "/host/sys", readOnly: true },
                                    { name: "root", mountPath: "/host/root", readOnly: true, mountPropagation: "HostToContainer" },
                                ],
                            },
                        ],
                        volumes: [hostPathVolume("proc", "/proc"), hostPathVolume("sys", "/sys"), hostPathVolume("root", "/")],
                    },
                },
            },
        },
        opts,
    );
}

/** Why cAdvisor runs privileged, as the policy pack reads it (an annotation on the DaemonSet, not the pods). */
const cadvisorPrivilegedReason =
    "cAdvisor reads every container's cgroups, the container runtime's state and the node's disks from the host, which takes a privileged container, as upstream's DaemonSet runs it";

/** cAdvisor reads every container's cgroups from the host; it needs privileged access, so it gets no more. */
export function cadvisor(name: string, args: ExporterArgs, opts: pulumi.CustomResourceOptions): k8s.apps.v1.DaemonSet {
    const labels = { "app.kubernetes.io/name": "cadvisor", "app.kubernetes.io/part-of": "rollout-lab" };
    const mounts: [string, string][] = [
        ["rootfs", "/"],
        ["var-run", "/var/run"],
        ["sys", "/sys"],
        ["containerd", "/var/lib/containerd"],
        ["disk", "/dev/disk"],
    ];
    return new k8s.apps.v1.DaemonSet(
        name,
        {
            metadata: { name: "cadvisor", namespace: args.namespace, labels, annotations: { "policy.rollout-lab/waive-non-root": cadvisorPrivilegedReason } },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": "cadvisor" } },
                template: {
                    metadata: { labels },
                    spec: {
                        tolerations: everyNode,
                        automountServiceAccountToken: false,
                        containers: [
                            {
                                name: "cadvisor",
                                image: args.cadvisorImage,
                                args: ["--housekeeping_interval=5s", "--docker_only=false", "--store_container_labels=true", `--port=${cadvisorPort}`],
                                ports: [{ name: "metrics", containerPort: cadvisorPort }],
                                readinessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 10 },
                                livenessProbe: { httpGet: { path: "/healthz", port: "metrics" }, periodSeconds: 20 },
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                securityContext: { privileged: true },
                                volumeMounts: mounts.map(([n, p]) => ({ name: n, mountPath: p === "/" ? "/rootfs" : p, readOnly: true })),
                            },
                        ],
                        volumes: mounts.map(([n, p]) => hostPathVolume(n, p)),
                    },
                },
            },
        },
        opts,
    );
}
