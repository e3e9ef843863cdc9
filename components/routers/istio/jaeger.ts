import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { uiService } from "../../kubernetes/uiService";
import { hardenedContainer, hardenedPod } from "../../kubernetes/hardening";

// Jaeger v2 (v1 reached its end of life on 2025-12-31): one Deployment with in-memory storage, receiving
// Zipkin spans from every Istio proxy (and OTLP), with its UI. Jaeger v2 is an OpenTelemetry Collector:
// its configuration file, below, names the receivers, the storage and the query extension.

export const jaegerPorts = { ui: 16686, zipkin: 9411, otlpGrpc: 4317, otlpHttp: 4318, health: 13133 };
const configDir = "/etc/jaeger";

/** Jaeger's configuration file: Zipkin and OTLP in, memory storage, the query UI, a health endpoint. */
export function jaegerConfig(maxTraces: number): string {
    const listen = (port: number) => `0.0.0.0:${port}`;
    const config = {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["zipkin", "otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
        },
        extensions: {
            healthcheckv2: { use_v2: true, http: { endpoint: listen(jaegerPorts.health) } },
            jaeger_storage: { backends: { lab_memory: { memory: { max_traces: maxTraces } } } },
            // The UI answers on 16686, Jaeger's default.
            jaeger_query: { storage: { traces: "lab_memory" } },
        },
        receivers: {
            zipkin: { endpoint: listen(jaegerPorts.zipkin) },
            otlp: { protocols: { grpc: { endpoint: listen(jaegerPorts.otlpGrpc) }, http: { endpoint: listen(jaegerPorts.otlpHttp) } } },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "lab_memory" } },
    };
    return `# Jaeger v2 for the lab: Istio's proxies send Zipkin spans; traces are kept in memory.\n${YAML.stringify(config)}`;
}

export interface JaegerArgs {
    image: string;
    namespace: string;
    /** The UI's NodePort (kind maps it to the host), or undefined for ClusterIP. */
    uiNodePort?: number;
}

/** Jaeger's ConfigMap, Deployment, its UI Service (`tracing`) and the collector Service (`jaeger-collector`). */
export function jaeger(name: string, args: JaegerArgs, opts: pulumi.CustomResourceOptions): void {
    const labels = { "app.kubernetes.io/name": "tracing", "app.kubernetes.io/part-of": "rollout-lab" };
    const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });
    const config = new k8s.core.v1.ConfigMap(`${name}-jaeger-config`, { metadata: meta("jaeger-config"), data: { "config.yaml": jaegerConfig(50000) } }, opts);
    new k8s.apps.v1.Deployment(
        `${name}-jaeger`,
        {
            metadata: meta("jaeger"),
            spec: {
                replicas: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": "tracing" } },
                template: {
                    // Jaeger itself stays out of the mesh: its spans would trace themselves.
                    metadata: { labels, annotations: { "sidecar.istio.io/inject": "false" } },
                    spec: {
                        securityContext: hardenedPod(10001),
                        containers: [
                            {
                                name: "jaeger",
                                image: args.image,
                                args: ["--config", `${configDir}/config.yaml`],
                                ports: [
                                    { name: "http-query", containerPort: jaegerPorts.ui },
                                    { name: "http-zipkin", containerPort: jaegerPorts.zipkin },
                                    { name: "grpc-otlp", containerPort: jaegerPorts.otlpGrpc },
                                    { name: "http-otlp", containerPort: jaegerPorts.otlpHttp },
                                    { name: "health", containerPort: jaegerPorts.health },
                                ],
                                readinessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 5 },
                                livenessProbe: { httpGet: { path: "/status", port: "health" }, periodSeconds: 20 },
                                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
                                securityContext: hardenedContainer,
                                volumeMounts: [{ name: "config", mountPath: configDir, readOnly: true }],
                            },
                        ],
                        volumes: [{ name: "config", configMap: { name: "jaeger-config" } }],
                    },
                },
            },
        },
        { ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), config] },
    );
    uiService(`${name}-jaeger-ui`, "tracing", { name: "http-query", number: jaegerPorts.ui, nodePort: args.uiNodePort }, args.namespace, opts);
    new k8s.core.v1.Service(
        `${name}-jaeger-collector`,
        {
            metadata: meta("jaeger-collector"),
            spec: {
                selector: { "app.kubernetes.io/name": "tracing" },
                ports: [
                    { name: "http-zipkin", port: jaegerPorts.zipkin, targetPort: "http-zipkin" },
                    { name: "grpc-otlp", port: jaegerPorts.otlpGrpc, targetPort: "grpc-otlp" },
                ],
            },
        },
        opts,
    );
}
