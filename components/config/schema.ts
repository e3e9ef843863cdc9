import { z } from "zod";
import { Platform, Strategy, TrafficProvider, platforms, strategies, trafficProviders } from "../vocabulary";
import { bool, dnsLabel, imageTag, intOrPercent, labelValue, num, str } from "./fields";
import { gatewayApiSchema, ingressNginxSchema, istioSchema, kindSchema, kubernetesSchema, linkerdSchema, measureSchema, monitoringSchema, swarmSchema, traefikSchema } from "./infraSchemas";

export * from "./infraSchemas";

// Every stack key, its type and its default. Defaults live here so a stack file only says what differs.

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
        /** The release users have now: v1 unless said (a stack file may set only its replicas). */
        stable: appVersionSchema.extend({ version: appVersionSchema.shape.version.default("v1") }).prefault({}),
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
                /**
                 * With a replica split (native routing): stable + canary replicas together. A weight they
                 * cannot give exactly (25 of 10) takes the fewest more replicas that can (12), up to
                 * maxTotalReplicas, and says so; beyond it the weight is refused, never rounded.
                 */
                totalReplicas: num(z.number().int().min(1).max(100)).default(10),
                /** The most replicas a replica split may take to give the weight exactly. */
                maxTotalReplicas: num(z.number().int().min(1).max(100)).default(20),
                /**
                 * Keep a user on one version: a new user gets a bucket (0..99, in a cookie) and a bucket
                 * below the weight is the candidate's, so a user never flips while the weight stands, a
                 * raised weight moves only the buckets it adds, and weight 0 returns everyone to stable.
                 * Only where the router declares it can (`lab stacks` and the config error name them).
                 */
                sticky: bool(z.boolean()).default(false),
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
        monitoring: monitoringSchema,
        /** traffic traefik: its image. */
        traefik: traefikSchema,
        /** The Gateway API CRDs Traefik reads (and Istio, with istio.routes httpRoute). */
        gatewayApi: gatewayApiSchema,
        /** traffic nginx and linkerd: the ingress-nginx controller at the entry (retired upstream; pinned to its final release). */
        ingressNginx: ingressNginxSchema,
        /** traffic linkerd: the charts, the generated certificates, the Gateway API CRDs. */
        linkerd: linkerdSchema,
        /** traffic istio: the charts, the addons and where their UIs listen. */
        istio: istioSchema,
        app: z
            .object({
                /** Image repository of the demo app. */
                image: z.string().regex(/^[a-z0-9][a-z0-9._/:-]*$/, { message: "an image repository" }).default("rollout-lab/demo-app"),
                /** Build the image from app/ with the local Docker engine. */
                build: bool(z.boolean()).optional(),
                /** Base image of the app's Dockerfile (any image with node, or Debian for apt-get). */
                baseImage: z.string().min(1).default("node:22-bookworm-slim"),
                /**
                 * How a pod leaves (Kubernetes): it keeps serving `preStopSeconds` after it is told to stop, while
                 * every proxy stops sending to it, and is killed after `gracePeriodSeconds`. 0 shows what the pause
                 * is for: requests lost when a pod is deleted (lessons, issue 32's fault tests).
                 */
                shutdown: z
                    .object({
                        preStopSeconds: num(z.number().int().min(0).max(120)).default(5),
                        gracePeriodSeconds: num(z.number().int().min(1).max(600)).default(30),
                    })
                    .strict()
                    .prefault({}),
            })
            .strict()
            .prefault({}),
        kind: kindSchema,
        kubernetes: kubernetesSchema,
        swarm: swarmSchema,
        /** The lab CLI's guided rollout (`lab rollout`) and strategy comparison (`lab compare`). */
        measure: measureSchema,
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

/** Fills the values whose defaults depend on other keys; the router a stack names none of is the routers' to say. */
export function resolveDefaults(cfg: ParsedConfig, defaultTraffic: (platform: Platform, strategy: Strategy) => TrafficProvider): LabConfig {
    const withTag = (v: ParsedConfig["stable"]): AppVersionConfig => ({ ...v, imageTag: v.imageTag ?? v.version });
    return {
        ...cfg,
        traffic: cfg.traffic ?? defaultTraffic(cfg.platform, cfg.strategy),
        stable: withTag(cfg.stable),
        candidate: withTag(cfg.candidate),
        // kind and the local Swarm use a locally built image; an existing cluster usually pulls from a registry.
        app: { ...cfg.app, build: cfg.app.build ?? cfg.platform !== "kubernetes" },
    };
}
