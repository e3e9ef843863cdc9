import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The Service in front of a web UI (Grafana, Prometheus, Kiali, Jaeger): a NodePort kind maps to the host, or ClusterIP only. */
export function uiService(
    name: string,
    app: string,
    port: { name: string; number: number; nodePort?: number },
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        name,
        {
            metadata: { name: app, namespace, labels: { "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "rollout-lab" } },
            spec: {
                type: port.nodePort === undefined ? "ClusterIP" : "NodePort",
                selector: { "app.kubernetes.io/name": app },
                ports: [{ name: port.name, port: port.number, targetPort: port.name, nodePort: port.nodePort }],
            },
        },
        opts,
    );
}
