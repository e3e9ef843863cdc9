import { z } from "zod";
import { bool, dnsLabel, ipv4, num, promDuration } from "./fields";

// The stack config's sections for what the lab runs on and beside the app: monitoring, the routers'
// installs, the platforms, and the lab CLI's measurements. schema.ts puts them together.

// Charts and images the mesh providers install, pinned; a stack can override each.
export const TRAEFIK_IMAGE = "traefik:v3.7.13";
/** Traefik's own CRDs of the same release (TraefikService and the rest), for canary.sticky on Traefik. */
export const TRAEFIK_CRDS = "https://raw.githubusercontent.com/traefik/traefik/v3.7.13/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml";
/** The Gateway API release whose CRDs Traefik v3.7 reads (its go.mod's sigs.k8s.io/gateway-api); Istio 1.30 reads it too. */
export const GATEWAY_API_VERSION = "v1.6.1";
export const GATEWAY_API_CRDS = `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`;
/** ingress-nginx was retired upstream in March 2026: this is the chart of its final controller release (v1.15.1). */
export const INGRESS_NGINX_VERSION = "4.13.3";
export const LINKERD_REPO = "https://helm.linkerd.io/edge";
/** Linkerd edge-26.8.3 (edge-YY.M.N is chart version 20YY.M.N). */
export const LINKERD_VERSION = "2026.8.3";
export const ISTIO_REPO = "https://istio-release.storage.googleapis.com/charts";
/** Istio 1.30 (1.27 is out of support). */
export const ISTIO_VERSION = "1.30.5";
export const KIALI_REPO = "https://kiali.org/helm-charts";
export const KIALI_VERSION = "2.26.0";
/** Jaeger v2 (v1 reached its end of life on 2025-12-31), configured by a file (routers/istio/jaeger.ts). */
export const JAEGER_IMAGE = "jaegertracing/jaeger:2.20.0";

export const monitoringSchema = z
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
                listenAddress: ipv4.default("127.0.0.1"),
                grafanaPort: num(z.number().int().min(1024).max(65535)).default(3000),
                prometheusPort: num(z.number().int().min(1024).max(65535)).default(9090),
                /**
                 * Kubernetes: the namespace where node-exporter and cAdvisor already run for several labs (a
                 * class's shared part, `lab class`). The lab then installs no exporters of its own, and its
                 * Prometheus reads only its namespaces (namespaced roles, no cluster role; cAdvisor's series of
                 * other namespaces dropped).
                 */
                exportersNamespace: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: "a namespace name (a lower-case DNS label)" }).optional(),
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
    .prefault({ enabled: true });

export const traefikSchema = z
    .object({
        /** Install Traefik; false uses a Traefik the cluster already runs (GatewayClass "traefik"). */
        install: bool(z.boolean()).default(true),
        /** Traefik's image; where no registry serves it, scripts/traefik-image.sh builds one (load it with kind.loadImages). */
        image: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, { message: "an image reference" }).default(TRAEFIK_IMAGE),
        /**
         * Traefik's own CRDs, installed (and its Kubernetes CRD provider turned on) only for canary.sticky:
         * the release's kubernetes-crd-definition-v1.yml (a URL), or a local file with the same documents.
         */
        crds: z.string().min(1).default(TRAEFIK_CRDS),
        /** With `install: false`, the cluster Traefik's entry point port the lab's Gateway listens on (default 8000). */
        listenerPort: num(z.number().int().min(1024).max(65535)).optional(),
        /** Traefik's pods; from two a disruption budget keeps one answering through a drain. */
        replicas: num(z.number().int().min(1).max(5)).default(1),
        /** Traefik's retry of a request a pod refused, reset, died on or did not take within dialTimeoutMs (attempts counts the first try; 1: none); docs/faults.md. */
        retry: z.object({ attempts: num(z.number().int().min(1).max(5)).default(5), dialTimeoutMs: num(z.number().int().min(100).max(30000)).default(250) }).strict().prefault({}),
    })
    .strict()
    .prefault({});

/** The Gateway API's standard CRDs, for the routers that read HTTPRoutes on a Gateway (traefik; istio with istio.routes httpRoute). */
export const gatewayApiSchema = z
    .object({
        /** Install the CRDs; false when the cluster has them already. */
        install: bool(z.boolean()).default(true),
        /** Where they come from: the release's standard-install.yaml (a URL), or a local file with the same documents. */
        crds: z.string().min(1).default(GATEWAY_API_CRDS),
    })
    .strict()
    .prefault({});

export const ingressNginxSchema = z
    .object({
        /** Install the controller; false uses one the cluster already runs (ingress class "nginx"). */
        install: bool(z.boolean()).default(true),
        chartVersion: z.string().min(1).default(INGRESS_NGINX_VERSION),
    })
    .strict()
    .prefault({});

export const linkerdSchema = z
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
    .prefault({});

export const istioSchema = z
    .object({
        /** Install Istio, its gateway and addons; false uses what the cluster already runs. */
        install: bool(z.boolean()).default(true),
        chartRepo: z.string().url().default(ISTIO_REPO),
        /** Version of the base, istiod and gateway charts. */
        version: z.string().min(1).default(ISTIO_VERSION),
        kialiChartRepo: z.string().url().default(KIALI_REPO),
        kialiVersion: z.string().min(1).default(KIALI_VERSION),
        jaegerImage: z.string().min(1).default(JAEGER_IMAGE),
        /**
         * What the routing is written as: a VirtualService over a DestinationRule's subsets (Istio's own
         * API), or a Gateway API HTTPRoute on a Gateway bound to the same ingress gateway (shadow by the
         * RequestMirror filter's percent, GEP-3171; needs the gatewayApi CRDs).
         */
        routes: z.enum(["virtualService", "httpRoute"]).default("virtualService"),
        /** Percent of requests traced. */
        tracingSamplingPercent: num(z.number().min(0).max(100)).default(100),
        /** Address Kiali and Jaeger publish on (kind). */
        listenAddress: ipv4.default("127.0.0.1"),
        kialiPort: num(z.number().int().min(1024).max(65535)).default(20001),
        jaegerPort: num(z.number().int().min(1024).max(65535)).default(16686),
    })
    .strict()
    .prefault({});

export const kindSchema = z
    .object({
        clusterName: z.string().regex(dnsLabel, { message: "a DNS label" }).default("rollout-lab"),
        /**
         * Worker nodes beside the control plane. One is enough to show pods leaving the control
         * plane; each idle node costs about 630 MiB and a share of two cores (docs/kubernetes-routers.md: sizing).
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
        /**
         * The pod network: kindnetd (kind's own, in every stock node image) or bridge (the CNI bridge
         * plugin, for node images built without kindnetd: scripts/kind-node.sh). Env ROLLOUT_LAB_KIND_POD_NETWORK.
         */
        podNetwork: z.enum(["kindnetd", "bridge"]).default("kindnetd"),
        /** Let kubelet (1.35 and later refuse by default) run on a cgroup v1 host. false for node images before 1.31. */
        allowCgroupV1: bool(z.boolean()).default(true),
        /** Local Docker images to load into every node, e.g. monitoring images no registry serves. */
        loadImages: z.array(z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, { message: "an image reference" })).max(20).default([]),
    })
    .strict()
    .prefault({});

export const kubernetesSchema = z
    .object({
        context: z.string().min(1).optional(),
        /** Path to a kubeconfig file; the default is $KUBECONFIG or ~/.kube/config. */
        kubeconfig: z.string().min(1).optional(),
        /** How the lab's Service is exposed on an existing cluster. */
        serviceType: z.enum(["NodePort", "ClusterIP", "LoadBalancer"]).default("NodePort"),
        /** The entry's NodePort on an existing cluster (NodePort, LoadBalancer): one per lab where several share a cluster. */
        nodePort: num(z.number().int().min(30000).max(32767)).default(30080),
        /**
         * A service account for the lab's student: `edit` in the lab's namespace, `view` in its monitoring
         * namespace, nothing cluster-wide; its kubeconfig is the stack's studentKubeconfig output (secret).
         */
        studentAccess: bool(z.boolean()).default(false),
        /**
         * Where students and the probe reach the entry (a node's address and the NodePort, a load balancer's
         * address, a host port): the stack's entryUrl, which lab check and lab rollout send requests to.
         */
        entryUrl: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: "an http:// or https:// URL" }).optional(),
    })
    .strict()
    .prefault({});

export const swarmSchema = z
    .object({
        /** Run `docker swarm init` when the local engine is not in Swarm mode yet. */
        init: bool(z.boolean()).default(true),
        /** Address `docker swarm init` advertises. */
        advertiseAddr: z.string().min(1).default("127.0.0.1"),
        /** Address the edge publishes its ports on; 0.0.0.0 opens the lab to the network. */
        listenAddress: ipv4.default("127.0.0.1"),
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
    .prefault({});

export const measureSchema = z
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
        /**
         * How `lab rollout` judges a step: "threshold" (the candidate's error ratio and p95 against the
         * candidate alerts', as soon as minRequests show them) or "mann-whitney" (at the step's end, the
         * candidate's per-interval error ratios and mean latencies against stable's over the same window,
         * by a one-sided Mann-Whitney U test; see `comparison`).
         */
        judge: z.enum(["threshold", "mann-whitney"]).default("threshold"),
        /** The mann-whitney judge's settings. */
        comparison: z
            .object({
                /** The significance level. */
                alpha: num(z.number().gt(0).max(0.5)).default(0.05),
                /** Fewer samples (scrape intervals with traffic) per version than this is too little to decide on. */
                minSamples: num(z.number().int().min(3).max(10000)).default(10),
                /** The least effect size (the chance a candidate sample is above stable's, tolerance added) that fails a step. */
                minEffect: num(z.number().min(0.5).max(1)).default(0.7),
                /** How much slower than stable the candidate may be before it counts as worse: a fraction of stable's latency. */
                latencyTolerance: num(z.number().min(0).max(10)).default(0.2),
                /** How much higher than stable's its error ratio may be before it counts as worse: a share (0.01 is one point). */
                errorRatioTolerance: num(z.number().min(0).max(1)).default(0.01),
            })
            .strict()
            .prefault({}),
        /**
         * How `lab rollout` rolls back: "immediate" (all to stable in one step) or "gradual" (back down
         * through the steps already passed, holding each rollbackPauseSeconds; the judge reads each hold at
         * its end, and a failure there cuts the rest at once).
         */
        rollback: z.enum(["immediate", "gradual"]).default("immediate"),
        /** gradual: how long each step down holds before the next. */
        rollbackPauseSeconds: num(z.number().int().min(1).max(600)).default(10),
        /** How long a step holds while the judge's data cannot be read (Prometheus gone) before it is rolled back; it is never promoted meanwhile. */
        noDataTimeoutSeconds: num(z.number().int().min(5).max(3600)).default(60),
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
    .prefault({});
