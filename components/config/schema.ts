import { z } from "zod";
import { defaultProvider, platforms, strategies, trafficProviders } from "./capabilities";

// Charts and images the mesh providers install, pinned; a stack can override each.
export const INGRESS_NGINX_VERSION = "4.13.3";
export const LINKERD_REPO = "https://helm.linkerd.io/edge";
export const LINKERD_VERSION = "2025.10.7";
export const ISTIO_REPO = "https://istio-release.storage.googleapis.com/charts";
export const ISTIO_VERSION = "1.27.2";
export const KIALI_REPO = "https://kiali.org/helm-charts";
export const KIALI_VERSION = "2.12.0";
export const JAEGER_IMAGE = "jaegertracing/all-in-one:1.65.0";

// Every stack key, its type and its default. Defaults live here so a stack file only says what differs.

const labelValue = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const imageTag = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const promDuration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// `pulumi config set --path` stores floats as strings and unquoted YAML turns `version: 2` into a number:
// accept both spellings of a number, a boolean or a string, and let the schema judge the value.
const looksNumeric = (v: unknown) => typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v));
function num<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (looksNumeric(v) ? Number(v) : v), schema);
}
function str<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (typeof v === "number" ? String(v) : v), schema);
}
function bool<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), schema);
}

/** An int or a percentage string, as Kubernetes takes for maxSurge / maxUnavailable. */
const intOrPercent = num(z.union([
    z.number().int().min(0),
    z.string().regex(/^(100|[1-9]?[0-9])%$/, { message: "a percentage such as \"25%\"" }),
]));

const appVersionSchema = z
    .object({
        /** Shown by the app and used as the `version` label on pods and metrics. */
        version: str(z.string().regex(labelValue, { message: "a label value: letters, digits, . _ -, at most 63" })),
        /** Replicas for this version where the strategy runs it on its own (recreate, rolling, blue/green). */
        replicas: num(z.number().int().min(0).max(50)).default(3),
        /** Image tag; defaults to the version. */
        imageTag: str(z.string().regex(imageTag, { message: "a Docker image tag" })).optional(),
        /** Share of requests the app fails on purpose (0..1): a bad release. */
        errorRate: num(z.number().min(0).max(1)).default(0),
        /** Extra latency per request in ms: a slow release. */
        latencyMs: num(z.number().int().min(0).max(60000)).default(0),
        /** Time before /ready turns ready, like a service warming up. */
        readyDelayMs: num(z.number().int().min(0).max(600000)).default(0),
    })
    .strict();

export const labConfigSchema = z
    .object({
        platform: z.enum(platforms).default("kind"),
        strategy: z.enum(strategies).default("rolling"),
        /** Defaults per platform: native on Kubernetes, haproxy on Swarm. */
        traffic: z.enum(trafficProviders).optional(),
        namespace: z.string().regex(dnsLabel, { message: "a DNS label" }).default("rollout-lab"),
        stable: appVersionSchema.default({ version: "v1", replicas: 3, errorRate: 0, latencyMs: 0, readyDelayMs: 0 }),
        candidate: appVersionSchema,
        /** recreate and rolling run one Deployment: which release it runs. */
        release: z.enum(["stable", "candidate"]).default("stable"),
        rolling: z
            .object({
                maxSurge: intOrPercent.default("25%"),
                maxUnavailable: intOrPercent.default(0),
                minReadySeconds: num(z.number().int().min(0).max(3600)).default(5),
                progressDeadlineSeconds: num(z.number().int().min(10).max(3600)).default(600),
            })
            .strict()
            .prefault({}),
        bluegreen: z
            .object({
                /** blue runs the stable release, green the candidate. */
                activeColor: z.enum(["blue", "green"]).default("blue"),
                /** Scale the idle colour to zero replicas (saves resources, slows rollback). */
                scaleIdleToZero: bool(z.boolean()).default(false),
            })
            .strict()
            .prefault({}),
        canary: z
            .object({
                /** Percent of traffic for the candidate. */
                weight: num(z.number().int().min(0).max(100)).default(10),
                /** With native routing: stable + canary replicas together, split by the weight. */
                totalReplicas: num(z.number().int().min(1).max(100)).default(10),
            })
            .strict()
            .prefault({}),
        abtest: z
            .object({
                header: z.string().regex(/^[A-Za-z0-9-]+$/, { message: "an HTTP header name" }).optional(),
                value: z.string().min(1).optional(),
                cookie: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: "a cookie name" }).optional(),
                /** How `value` is compared with the header: equal, or a regular expression (RE2) the whole value must match. */
                valueMatch: z.enum(["exact", "regex"]).default("exact"),
            })
            .strict()
            .optional(),
        shadow: z
            .object({ percent: num(z.number().int().min(1).max(100)).default(100) })
            .strict()
            .prefault({}),
        hpa: z
            .object({
                minReplicas: num(z.number().int().min(1).max(100)),
                maxReplicas: num(z.number().int().min(1).max(100)),
                cpuTargetPercent: num(z.number().int().min(1).max(100)).default(70),
            })
            .strict()
            .optional(),
        /** `false` turns monitoring off; an object tunes it. */
        monitoring: z
            .preprocess(
                (v) => (typeof v === "boolean" || v === "true" || v === "false" ? { enabled: v === true || v === "true" } : v),
                z
                    .object({
                        enabled: bool(z.boolean()).default(true),
                        /** `false` leaves Grafana out (where its image cannot be had); Prometheus, its alerts and the exporters stay. */
                        grafana: bool(z.boolean()).default(true),
                        scrapeInterval: z.string().regex(promDuration, { message: "a Prometheus duration such as 5s" }).default("5s"),
                        retention: z.string().regex(promDuration, { message: "a Prometheus duration such as 2d" }).default("2d"),
                        /** Address Grafana and Prometheus publish on; 0.0.0.0 opens them to the network. */
                        listenAddress: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: "an IPv4 address" }).default("127.0.0.1"),
                        grafanaPort: num(z.number().int().min(1024).max(65535)).default(3000),
                        prometheusPort: num(z.number().int().min(1024).max(65535)).default(9090),
                        /** Thresholds of the candidate's alerts (and of the rollout tool's checks). */
                        alerts: z
                            .object({
                                errorRatio: num(z.number().min(0).max(1)).default(0.05),
                                p95LatencySeconds: num(z.number().min(0.001).max(60)).default(0.5),
                                for: z.string().regex(promDuration, { message: "a Prometheus duration such as 30s" }).default("30s"),
                            })
                            .strict()
                            .prefault({}),
                        images: z
                            .object({
                                prometheus: z.string().min(1).default("prom/prometheus:v2.53.2"),
                                grafana: z.string().min(1).default("grafana/grafana:11.2.2"),
                                nodeExporter: z.string().min(1).default("prom/node-exporter:v1.8.2"),
                                cadvisor: z.string().min(1).default("gcr.io/cadvisor/cadvisor:v0.49.1"),
                            })
                            .strict()
                            .prefault({}),
                    })
                    .strict(),
            )
            .prefault({ enabled: true }),
        /** traffic nginx and linkerd: the ingress-nginx controller at the entry. */
        ingressNginx: z
            .object({
                /** Install the controller; false uses one the cluster already runs (ingress class "nginx"). */
                install: bool(z.boolean()).default(true),
                chartVersion: z.string().min(1).default(INGRESS_NGINX_VERSION),
            })
            .strict()
            .prefault({}),
        /** traffic linkerd: the charts, the generated certificates, the Gateway API CRDs. */
        linkerd: z
            .object({
                /** Install Linkerd (and the meshed ingress controller); false uses what the cluster already runs. */
                install: bool(z.boolean()).default(true),
                chartRepo: z.string().url().default(LINKERD_REPO),
                /** Version of the linkerd-crds and linkerd-control-plane charts. */
                chartVersion: z.string().min(1).default(LINKERD_VERSION),
                /** Install the Gateway API CRDs with Linkerd's; false when the cluster has them already. */
                installGatewayApi: bool(z.boolean()).default(true),
                trustAnchorValidityHours: num(z.number().int().min(24).max(876000)).default(87600),
                issuerValidityHours: num(z.number().int().min(24).max(87600)).default(8760),
            })
            .strict()
            .prefault({}),
        /** traffic istio: the charts, the addons and where their UIs listen. */
        istio: z
            .object({
                /** Install Istio, its gateway and addons; false uses what the cluster already runs. */
                install: bool(z.boolean()).default(true),
                chartRepo: z.string().url().default(ISTIO_REPO),
                /** Version of the base, istiod and gateway charts. */
                version: z.string().min(1).default(ISTIO_VERSION),
                kialiChartRepo: z.string().url().default(KIALI_REPO),
                kialiVersion: z.string().min(1).default(KIALI_VERSION),
                jaegerImage: z.string().min(1).default(JAEGER_IMAGE),
                /** Percent of requests traced. */
                tracingSamplingPercent: num(z.number().min(0).max(100)).default(100),
                /** Address Kiali and Jaeger publish on (kind). */
                listenAddress: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: "an IPv4 address" }).default("127.0.0.1"),
                kialiPort: num(z.number().int().min(1024).max(65535)).default(20001),
                jaegerPort: num(z.number().int().min(1024).max(65535)).default(16686),
            })
            .strict()
            .prefault({}),
        app: z
            .object({
                /** Image repository of the demo app. */
                image: z.string().regex(/^[a-z0-9][a-z0-9._/:-]*$/, { message: "an image repository" }).default("rollout-lab/demo-app"),
                /** Build the image from app/ with the local Docker engine. */
                build: bool(z.boolean()).optional(),
                /** Base image of the app's Dockerfile (any image with node, or Debian for apt-get). */
                baseImage: z.string().min(1).default("node:20-bookworm-slim"),
            })
            .strict()
            .prefault({}),
        kind: z
            .object({
                clusterName: z.string().regex(dnsLabel, { message: "a DNS label" }).default("rollout-lab"),
                /**
                 * Worker nodes beside the control plane. One is enough to show pods leaving the control
                 * plane; each idle node costs about 630 MiB and a share of two cores (README: sizing).
                 */
                workers: num(z.number().int().min(1).max(5)).default(1),
                /** Host port on 127.0.0.1 that reaches the lab's entry point. */
                hostPort: num(z.number().int().min(1024).max(65535)).default(8080),
                /**
                 * Node image, to pin the Kubernetes version (kind's default kindest/node when unset). On a
                 * machine with no registry: scripts/kind-node.sh builds one; env ROLLOUT_LAB_KIND_NODE_IMAGE.
                 */
                nodeImage: z.string().min(1).optional(),
                /**
                 * Start nodes with --privileged (kind's way). false: every capability but CAP_SYS_RESOURCE,
                 * for hosts whose bounding set lacks it (docker then fails "unable to apply caps"); needs
                 * the kind and node image scripts/kind-node.sh builds. Env KIND_EXPERIMENTAL_NO_SYS_RESOURCE=1.
                 */
                privileged: bool(z.boolean()).default(true),
                /** Let kubelet (1.35 and later refuse by default) run on a cgroup v1 host. false for node images before 1.31. */
                allowCgroupV1: bool(z.boolean()).default(true),
                /** Local Docker images to load into every node, e.g. monitoring images no registry serves. */
                loadImages: z.array(z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, { message: "an image reference" })).max(20).default([]),
            })
            .strict()
            .prefault({}),
        kubernetes: z
            .object({
                context: z.string().min(1).optional(),
                /** Path to a kubeconfig file; the default is $KUBECONFIG or ~/.kube/config. */
                kubeconfig: z.string().min(1).optional(),
                /** How the lab's Service is exposed on an existing cluster. */
                serviceType: z.enum(["NodePort", "ClusterIP", "LoadBalancer"]).default("NodePort"),
            })
            .strict()
            .prefault({}),
        swarm: z
            .object({
                /** Run `docker swarm init` when the local engine is not in Swarm mode yet. */
                init: bool(z.boolean()).default(true),
                /** Address `docker swarm init` advertises. */
                advertiseAddr: z.string().min(1).default("127.0.0.1"),
                /** Address the edge publishes its ports on; 0.0.0.0 opens the lab to the network. */
                listenAddress: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: "an IPv4 address" }).default("127.0.0.1"),
                /** Host port of the lab's entry point. */
                hostPort: num(z.number().int().min(1024).max(65535)).default(8080),
                /** Host port of the edge's stats page (HAProxy /stats, NGINX /nginx_status). */
                statsPort: num(z.number().int().min(1024).max(65535)).default(8404),
                /** Base image of the edge images: Debian bookworm or an image built from it. */
                edgeBaseImage: z.string().min(1).default("debian:bookworm-slim"),
                /** Run the candidate's tasks on nodes labelled deployment.type=canary, the stable ones elsewhere. */
                placement: bool(z.boolean()).default(false),
                /** How `rolling` (and `recreate`) replace tasks. */
                update: z
                    .object({
                        parallelism: num(z.number().int().min(0).max(50)).default(1),
                        delaySeconds: num(z.number().int().min(0).max(600)).default(5),
                        order: z.enum(["start-first", "stop-first"]).default("start-first"),
                    })
                    .strict()
                    .prefault({}),
                /** After SIGTERM a task keeps answering (while unready) this long, so the edge drops it first. */
                drainDelayMs: num(z.number().int().min(0).max(60000)).default(3000),
            })
            .strict()
            .prefault({}),
        /** The lab CLI's guided rollout (`lab rollout`) and strategy comparison (`lab compare`). */
        measure: z
            .object({
                /** Candidate shares (percent) `lab rollout` steps a canary through; blue/green is one step. */
                steps: z
                    .array(num(z.number().int().min(1).max(100)))
                    .min(1)
                    .max(20)
                    .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]), { message: "whole numbers from 1 to 100, each above the one before" })
                    .default([10, 25, 50, 100]),
                /** How long each step runs before its figures are judged (also the PromQL range). */
                stepWaitSeconds: num(z.number().int().min(10).max(3600)).default(60),
                /** Fewer candidate requests than this in a step's window: too little to judge, never a promotion. */
                minRequests: num(z.number().int().min(1).max(1000000)).default(50),
                /** Requests per second the lab's own probe sends during a rollout or comparison; 0: rely on real users. */
                loadRate: num(z.number().min(0).max(1000)).default(20),
                /** Prices for the cost figure: per CPU core-hour and per GB-hour of memory. Defaults: AWS Fargate on-demand, us-east-1 (Linux/x86). */
                pricing: z
                    .object({
                        cpuHour: num(z.number().min(0).max(1000)).default(0.04048),
                        gbHour: num(z.number().min(0).max(1000)).default(0.004445),
                        currency: z.string().regex(/^[A-Z]{3}$/, { message: "a currency code such as USD" }).default("USD"),
                    })
                    .strict()
                    .prefault({}),
            })
            .strict()
            .prefault({}),
        /** Write manifests to this folder instead of applying them (Kubernetes platforms only). */
        renderYamlTo: z.string().min(1).optional(),
    })
    .strict();

export type LabConfigInput = z.input<typeof labConfigSchema>;
type ParsedConfig = z.output<typeof labConfigSchema>;
export type AppVersionConfig = Required<z.output<typeof appVersionSchema>>;

/** The typed config every component receives: defaults filled, derived values resolved. */
export interface LabConfig extends Omit<ParsedConfig, "traffic" | "stable" | "candidate" | "app"> {
    traffic: NonNullable<ParsedConfig["traffic"]>;
    stable: AppVersionConfig;
    candidate: AppVersionConfig;
    app: Required<ParsedConfig["app"]>;
}

/** Fills the values whose defaults depend on other keys. */
export function resolveDefaults(cfg: ParsedConfig): LabConfig {
    const withTag = (v: ParsedConfig["stable"]): AppVersionConfig => ({ ...v, imageTag: v.imageTag ?? v.version });
    return {
        ...cfg,
        traffic: cfg.traffic ?? defaultProvider(cfg.platform, cfg.strategy),
        stable: withTag(cfg.stable),
        candidate: withTag(cfg.candidate),
        // kind and the local Swarm use a locally built image; an existing cluster usually pulls from a registry.
        app: { ...cfg.app, build: cfg.app.build ?? cfg.platform !== "kubernetes" },
    };
}
