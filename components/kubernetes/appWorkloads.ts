import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../config/schema";
import { appPort } from "../app/appImages";
import { Release } from "../plan";
import { hardenedContainer, hardenedPod } from "./hardening";

// The pieces every Kubernetes router builds the app from: a release's pod template, its Deployment, a
// Service in front and an optional autoscaler. Plain functions, so each can be tested without a component tree.

export const appName = "demo-app";
/** The NodePort the lab's Service listens on; kind maps it to 127.0.0.1:<kind.hostPort>. */
export const entryNodePort = 30080;

export const selectorLabels = { "app.kubernetes.io/name": appName };

/** A release of the plan with the image it runs. */
export interface AppWorkload {
    release: Release;
    image: pulumi.Input<string>;
}

/** Every label a pod of this release carries: its version, colour and role, and the labels that select it. */
export function podLabels(release: Release): Record<string, string> {
    return {
        ...selectorLabels,
        ...release.selector,
        "app.kubernetes.io/part-of": "rollout-lab",
        "app.kubernetes.io/version": release.version,
        "rollout-lab/color": release.color,
        "rollout-lab/role": release.role,
    };
}

/** The demo app's pod: probes, a preStop pause, requests and limits, and a locked-down security context. */
export function podTemplate(w: AppWorkload): k8s.types.input.core.v1.PodTemplateSpec {
    const { release } = w;
    return {
        metadata: { labels: podLabels(release) },
        spec: {
            terminationGracePeriodSeconds: release.behaviour.gracePeriodSeconds,
            automountServiceAccountToken: false,
            securityContext: hardenedPod(10001, 10001),
            containers: [
                {
                    name: "app",
                    image: w.image,
                    imagePullPolicy: "IfNotPresent",
                    ports: [{ name: "http", containerPort: appPort }],
                    env: [
                        { name: "VERSION", value: release.version },
                        { name: "APP_COLOR", value: release.color },
                        { name: "PORT", value: String(appPort) },
                        { name: "READY_DELAY_MS", value: String(release.behaviour.readyDelayMs) },
                        { name: "ERROR_RATE", value: String(release.behaviour.errorRate) },
                        { name: "LATENCY_MS", value: String(release.behaviour.latencyMs) },
                    ],
                    readinessProbe: {
                        httpGet: { path: "/ready", port: "http" },
                        periodSeconds: 2,
                        timeoutSeconds: 1,
                        failureThreshold: 1,
                        successThreshold: 1,
                    },
                    livenessProbe: {
                        httpGet: { path: "/live", port: "http" },
                        initialDelaySeconds: 5,
                        periodSeconds: 10,
                        timeoutSeconds: 2,
                        failureThreshold: 3,
                    },
                    // Endpoints are removed asynchronously after a pod starts terminating; the pause keeps
                    // the old pod serving until kube-proxy and every ingress have stopped sending to it.
                    ...(release.behaviour.preStopSeconds > 0 ? { lifecycle: { preStop: { sleep: { seconds: release.behaviour.preStopSeconds } } } } : {}),
                    resources: {
                        requests: { cpu: "50m", memory: "64Mi" },
                        limits: { cpu: "500m", memory: "128Mi" },
                    },
                    securityContext: { ...hardenedContainer, runAsNonRoot: true },
                },
            ],
        },
    };
}

export interface DeploymentOptions {
    namespace: pulumi.Input<string>;
    /** How Kubernetes replaces pods when the template changes. */
    strategy?: k8s.types.input.apps.v1.DeploymentStrategy;
    minReadySeconds?: number;
    progressDeadlineSeconds?: number;
    /** Annotations on the Deployment itself (e.g. how Pulumi awaits it). */
    annotations?: Record<string, string>;
}

export function appDeployment(
    w: AppWorkload,
    options: DeploymentOptions,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    const { release } = w;
    return new k8s.apps.v1.Deployment(
        release.name,
        {
            metadata: { name: release.name, namespace: options.namespace, labels: podLabels(release), annotations: options.annotations },
            spec: {
                replicas: release.replicas,
                selector: { matchLabels: { ...selectorLabels, ...release.selector } },
                strategy: options.strategy ?? { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
                minReadySeconds: options.minReadySeconds,
                progressDeadlineSeconds: options.progressDeadlineSeconds,
                template: podTemplate(w),
            },
        },
        opts,
    );
}

export interface ServiceOptions {
    namespace: pulumi.Input<string>;
    selector: pulumi.Input<Record<string, string>>;
    /** NodePort on kind (mapped to the host); ClusterIP or LoadBalancer elsewhere if asked. */
    type: "NodePort" | "ClusterIP" | "LoadBalancer";
    /** The Service's name; the app's name unless it fronts one release only. */
    name?: string;
    /** Its NodePort unless ClusterIP (entryNodePort when unset; kubernetes.nodePort on an existing cluster). */
    nodePort?: number;
    /** Annotations of the Service (the provider's await skipped where the lab waits itself). */
    annotations?: Record<string, string>;
}

/** The one Service students and the probe reach; its selector decides which pods get traffic. */
export function appService(name: string, options: ServiceOptions, opts: pulumi.CustomResourceOptions): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        name,
        {
            metadata: {
                name: options.name ?? appName,
                namespace: options.namespace,
                labels: { ...selectorLabels, "app.kubernetes.io/part-of": "rollout-lab" },
                ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
            },
            spec: {
                type: options.type,
                selector: options.selector,
                ports: [
                    {
                        name: "http",
                        port: 80,
                        targetPort: "http",
                        nodePort: options.type === "ClusterIP" ? undefined : options.nodePort ?? entryNodePort,
                    },
                ],
            },
        },
        opts,
    );
}

/** An autoscaler for a Deployment when the stack asks for one; none for a Deployment scaled to zero. */
export function appAutoscaler(
    release: Release,
    namespace: pulumi.Input<string>,
    hpa: LabConfig["hpa"],
    opts: pulumi.CustomResourceOptions,
): k8s.autoscaling.v2.HorizontalPodAutoscaler | undefined {
    if (hpa === undefined || release.replicas === 0) {
        return undefined;
    }
    return new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${release.name}-hpa`,
        {
            metadata: { name: release.name, namespace, labels: podLabels(release) },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: release.name },
                minReplicas: hpa.minReplicas,
                maxReplicas: hpa.maxReplicas,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: hpa.cpuTargetPercent } } },
                ],
            },
        },
        opts,
    );
}

/**
 * A disruption budget per release: a voluntary eviction (a node drained, a cluster upgrade) takes at most
 * one of its pods at a time, each leaving through its preStop pause while the others serve.
 */
export function appDisruptionBudget(release: Release, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        `${release.name}-pdb`,
        {
            // Only the labels that select the release: a new version in the same Deployment changes nothing here.
            metadata: { name: release.name, namespace, labels: { ...selectorLabels, ...release.selector, "app.kubernetes.io/part-of": "rollout-lab" } },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...selectorLabels, ...release.selector } } },
        },
        opts,
    );
}

/** In-cluster host name of a Service (its port 80 is the app's). */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
