import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { LabConfig } from "../../config";
import { traefikSchema } from "../../config/infraSchemas";
import { LabCluster } from "../../local/clusterAccess";
import { CrdBundle } from "../../local/crdBundle";
import { gatewayApiCrds } from "../gatewayApi";
import { customResource } from "../routingScope";
import { dynamicConfigDir, dynamicConfigMapName, gatewayClassObject, traefikNamespace, traefikService, webPort } from "./traefikRoutes";
import { formerType } from "../../formerType";

// Traefik, installed by the program as plain resources (no chart to fetch): the Gateway API's standard
// CRDs (gatewayApi), a namespace, the RBAC its Gateway API provider needs, one Traefik pod, the Service
// at the lab's entry, and the GatewayClass its controller claims. The file provider reads a ConfigMap
// the router fills (the mirroring service of shadow) and watches it, so a change needs no restart.

export interface TraefikProxyArgs {
    config: LabConfig["traefik"];
    /** The Gateway API CRDs it reads, installed first. */
    gatewayApi: LabConfig["gatewayApi"];
    /** The cluster as the CRD files reach it (CrdBundle). */
    cluster: LabCluster;
    /** The file provider's configuration (traefikRoutes.dynamicConfig). */
    dynamicConfig: string;
    /**
     * canary.sticky: Traefik's own CRDs (traefik.crds) installed first and its Kubernetes CRD provider on,
     * reading the lab's namespace only, where the sticky split's TraefikServices are.
     */
    crdNamespace?: string;
    serviceType: "NodePort" | "ClusterIP" | "LoadBalancer";
    /** NodePort of the entry (kind maps it to the host), or undefined for the cluster's choice. */
    httpNodePort?: number;
    /**
     * A class's shared Traefik: its namespace (default `traefik`) and one entry point per lab, each a port
     * of its own that the lab's Gateway listens on, published on the lab's NodePort. Default: `web` alone.
     */
    shared?: { namespace: string; entryPoints: EntryPoint[]; namespaceReady: pulumi.Resource };
}

/** A Traefik entry point: a Gateway listener with its port is bound to it; the Service publishes it. */
export interface EntryPoint {
    name: string;
    port: number;
    /** The Service's port for it (80 for the lab's own `web`). */
    servicePort: number;
    nodePort?: number;
}

const labels = { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/part-of": "rollout-lab" };
const pingPort = 9000;

const webOnly = (nodePort?: number): EntryPoint[] => [{ name: "web", port: webPort, servicePort: 80, nodePort }];

export type RetryConfig = LabConfig["traefik"]["retry"];
/** traefik.retry's defaults, as the schema gives them. */
export const defaultRetry: RetryConfig = traefikSchema.parse(undefined).retry;
/** The retry middleware every lab entry point goes through, defined by the file provider (retryConfig). */
export const retryMiddleware = "lab-retry@file";
/** The largest request body Traefik's retry buffers to send again (retryConfig). */
export const retryBodyBytes = 16384;

/** The command line: entry points (each through the retry middleware), the Gateway API and file providers (and the CRD provider for a namespace), no calls home. */
export function traefikArgs(crdNamespace?: string, entryPoints: EntryPoint[] = webOnly(), namespace = traefikNamespace, retry: RetryConfig = defaultRetry): string[] {
    return [
        ...entryPoints.flatMap((e) => [`--entryPoints.${e.name}.address=:${e.port}`, `--entryPoints.${e.name}.http.middlewares=${retryMiddleware}`]),
        `--serversTransport.forwardingTimeouts.dialTimeout=${retry.dialTimeoutMs}ms`,
        `--entryPoints.traefik.address=:${pingPort}`,
        "--ping=true",
        "--metrics.prometheus=true",
        "--providers.kubernetesGateway=true",
        `--providers.kubernetesGateway.statusAddress.service.name=${traefikService.name}`,
        `--providers.kubernetesGateway.statusAddress.service.namespace=${namespace}`,
        `--providers.file.directory=${dynamicConfigDir}`,
        "--providers.file.watch=true",
        ...(crdNamespace !== undefined ? ["--providers.kubernetesCRD=true", `--providers.kubernetesCRD.namespaces=${crdNamespace}`] : []),
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
    ];
}

/**
 * The file provider's second file: the retry middleware (traefik.retry.attempts; 1 passes each request
 * through once). Always defined, since every entry point names it: a change of attempts reaches Traefik
 * with the ConfigMap (the kubelet's sync, up to a minute) and never leaves a route without its middleware.
 * Traefik retries a network error only before the request was written; a request already sent to a pod
 * that is killed comes back as Traefik's own 502, retried by status (GET and the other idempotent methods
 * only; the app answers no 502 itself: its injected failures are 500s, which the judge must see). To retry
 * by status Traefik first copies each request's body into a buffer of maxRequestBodyBytes + 1, allocated
 * per request even for a GET (Traefik's default, 2 MiB, made 200 requests/s a heap churn that a 256 MiB
 * Traefik did not survive under load); a larger body is passed on unbuffered and retried on network errors only.
 */
export function retryConfig(retry: RetryConfig = defaultRetry): string {
    const what = retry.attempts > 1 ? `up to ${retry.attempts - 1} more tries` : "no retry (attempts 1)";
    return `# traefik.retry: a request whose pod refused, reset or did not take the connection: ${what}.\n${YAML.stringify({ http: { middlewares: { "lab-retry": { retry: { attempts: retry.attempts, status: ["502"], maxRequestBodyBytes: retryBodyBytes } } } } })}`;
}

/** Every kind Traefik's Kubernetes CRD provider watches (it waits for all of them to list). */
const traefikCrdKinds = ["ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps", "serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices"];

/** What Traefik's Gateway API provider (and, with crds, its CRD provider) reads and the statuses it writes. */
export function traefikClusterRoleRules(crds = false): k8s.types.input.rbac.v1.PolicyRule[] {
    const gatewayKinds = ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "tcproutes", "tlsroutes", "referencegrants", "backendtlspolicies"];
    return [
        { apiGroups: [""], resources: ["namespaces"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["services", "secrets", "configmaps"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        { apiGroups: ["gateway.networking.k8s.io"], resources: gatewayKinds, verbs: ["get", "list", "watch"] },
        { apiGroups: ["gateway.networking.k8s.io"], resources: gatewayKinds.map((k) => `${k}/status`), verbs: ["update"] },
        ...(crds
            ? [
                  { apiGroups: ["traefik.io"], resources: traefikCrdKinds, verbs: ["get", "list", "watch"] },
                  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
              ]
            : []),
    ];
}

export class TraefikProxy extends pulumi.ComponentResource {
    /** What the lab's Gateway and route wait for: the CRDs, Traefik running, its GatewayClass. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: TraefikProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:routers:TraefikProxy", name, {}, formerType("rollout-lab:traffic:TraefikProxy", opts));
        const child = { parent: this };
        const crds = [
            ...gatewayApiCrds(`${name}-gateway-api`, args.gatewayApi, args.cluster, child),
            ...(args.crdNamespace !== undefined ? [new CrdBundle(`${name}-crds`, { file: args.config.crds, key: "traefik.crds", cluster: args.cluster }, child)] : []),
        ];
        const namespace = args.shared?.namespace ?? traefikNamespace;
        const entryPoints = args.shared?.entryPoints ?? webOnly(args.httpNodePort);
        const meta = (n: string) => ({ name: n, namespace, labels });
        // A class's shared namespace is its shared part's; Traefik's own is made here.
        const ns = args.shared === undefined ? [new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: traefikNamespace, labels } }, child)] : [args.shared.namespaceReady];
        const inNs = { ...child, dependsOn: ns };
        const binding = traefikRbac(name, this, ns, namespace, args.crdNamespace !== undefined);
        const dynamic = new k8s.core.v1.ConfigMap(`${name}-dynamic`, { metadata: meta(dynamicConfigMapName), data: { "lab.yaml": args.dynamicConfig, "retry.yaml": retryConfig(args.config.retry) } }, inNs);
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta("traefik"),
                spec: {
                    // One replica by default: a lab's share is read off one proxy, and a weight change reaches it at once.
                    replicas: args.config.replicas,
                    selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
                    template: { metadata: { labels }, spec: traefikPodSpec(args.config.image, args.crdNamespace, entryPoints, namespace, args.config.retry) },
                },
            },
            { ...child, dependsOn: [binding, dynamic, ...crds] },
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta(traefikService.name),
                spec: {
                    type: args.serviceType,
                    selector: { "app.kubernetes.io/name": "traefik" },
                    ports: entryPoints.map((e) => ({ name: e.name, port: e.servicePort, targetPort: e.port, ...(e.nodePort !== undefined ? { nodePort: e.nodePort } : {}) })),
                },
            },
            inNs,
        );
        if (args.config.replicas > 1) {
            // A drain takes one at a time: the others keep the entry answering.
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                { metadata: meta("traefik"), spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } } },
                inNs,
            );
        }
        const gatewayClass = customResource(`${name}-gatewayclass`, gatewayClassObject(), { ...child, dependsOn: crds });
        this.ready = [...crds, deployment, gatewayClass];
        this.registerOutputs({});
    }
}

/** Traefik's service account and what its Gateway API provider may read and write, cluster-wide; returns the binding. */
function traefikRbac(name: string, parent: pulumi.Resource, ns: pulumi.Resource[], namespace: string, crds: boolean): k8s.rbac.v1.ClusterRoleBinding {
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: "traefik", namespace, labels } }, { parent, dependsOn: ns });
    const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, { metadata: { name: "rollout-lab-traefik", labels }, rules: traefikClusterRoleRules(crds) }, { parent });
    return new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-role-binding`,
        {
            metadata: { name: "rollout-lab-traefik", labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "rollout-lab-traefik" },
            subjects: [{ kind: "ServiceAccount", name: "traefik", namespace }],
        },
        { parent, dependsOn: [role, account] },
    );
}

/** How long a Traefik told to stop keeps serving first (issue 32: the router restarted under load). */
export const traefikPreStopSeconds = 5;

/** Traefik's pod: one container, probed on /ping, its dynamic configuration mounted from the ConfigMap. */
export function traefikPodSpec(image: string, crdNamespace?: string, entryPoints: EntryPoint[] = webOnly(), namespace = traefikNamespace, retry: RetryConfig = defaultRetry): k8s.types.input.core.v1.PodSpec {
    return {
        serviceAccountName: "traefik",
        terminationGracePeriodSeconds: 30,
        containers: [
            {
                name: "traefik",
                image,
                imagePullPolicy: "IfNotPresent",
                args: traefikArgs(crdNamespace, entryPoints, namespace, retry),
                ports: [...entryPoints.map((e) => ({ name: e.name, containerPort: e.port })), { name: "traefik", containerPort: pingPort }],
                readinessProbe: { httpGet: { path: "/ping", port: pingPort }, periodSeconds: 2, failureThreshold: 2 },
                // A deleted or drained Traefik keeps answering while the Service stops sending to it (and, alone,
                // until its replacement is ready: kube-proxy falls back to a terminating endpoint that serves).
                lifecycle: { preStop: { sleep: { seconds: traefikPreStopSeconds } } },
                livenessProbe: { httpGet: { path: "/ping", port: pingPort }, periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "50Mi" }, limits: { cpu: "1", memory: "256Mi" } },
                securityContext: { runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                volumeMounts: [{ name: "dynamic", mountPath: dynamicConfigDir, readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
            },
        ],
        volumes: [
            { name: "dynamic", configMap: { name: dynamicConfigMapName } },
            { name: "tmp", emptyDir: {} },
        ],
    };
}
