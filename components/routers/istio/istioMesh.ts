import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../../config";
import { gatewaySelector } from "./istioRoutes";
import { jaeger, jaegerPorts } from "./jaeger";
import { formerType } from "../../formerType";

// Istio, installed by the program from its Helm charts: base (CRDs), istiod, and an ingress gateway on the
// lab's entry NodePort. Its addons: Jaeger v2 (jaeger.ts: a Deployment we own, receiving Zipkin spans from
// every proxy), Kiali (its Helm chart) reading the lab's own Prometheus and Grafana, which also scrape Envoy.

export const istioNamespace = "istio-system";
export const gatewayNamespace = "istio-ingress";
const gatewayRelease = "istio-ingressgateway";
/** The ingress gateway's Service (named after its release): the lab's entry. */
export const gatewayService = { namespace: gatewayNamespace, name: gatewayRelease };
export const injectionLabel = { "istio-injection": "enabled" };
/** NodePorts kind maps to 127.0.0.1 for the addons' UIs (see components/platform/kindCluster.ts). */
export const istioNodePorts = { kiali: 30201, jaeger: 30686 };
export const kialiPort = 20001;

export interface IstioMeshArgs {
    istio: LabConfig["istio"];
    /** The NodePort the ingress gateway's HTTP port listens on, or undefined for ClusterIP. */
    entryNodePort?: number;
    /** Expose Kiali and Jaeger on NodePorts (kind maps them to the host); else ClusterIP only. */
    nodePorts: boolean;
    /** The lab's Prometheus, and its Grafana when there is one, which Kiali reads. */
    prometheusUrl: string;
    grafana?: { inClusterUrl: string; externalUrl: string };
    /** What the charts wait for (the Gateway API CRDs, when the routes are HTTPRoutes). */
    after?: pulumi.Resource[];
}

/** istiod's values: every proxy sends Zipkin spans to Jaeger, sampled at the configured percentage. */
export function istiodValues(config: LabConfig["istio"]): Record<string, unknown> {
    return {
        pilot: { resources: { requests: { cpu: "100m", memory: "256Mi" } } },
        meshConfig: {
            enableTracing: true,
            // Without a sampling rate a proxy traces 1% of requests: too few to find in a lab.
            defaultConfig: { tracing: { sampling: config.tracingSamplingPercent } },
            defaultProviders: { tracing: ["jaeger"] },
            extensionProviders: [{ name: "jaeger", zipkin: { service: `jaeger-collector.${istioNamespace}.svc.cluster.local`, port: jaegerPorts.zipkin } }],
        },
    };
}

/** The ingress gateway chart's values: a NodePort on the lab's entry port, pods labelled for the Gateway's selector. */
export function gatewayValues(entryNodePort: number | undefined): Record<string, unknown> {
    const http = { name: "http2", port: 80, targetPort: 80, protocol: "TCP", ...(entryNodePort !== undefined ? { nodePort: entryNodePort } : {}) };
    return {
        labels: gatewaySelector,
        service: { type: entryNodePort !== undefined ? "NodePort" : "ClusterIP", ports: [http] },
    };
}

/** Kiali's values: anonymous login on localhost, the lab's Prometheus, Jaeger and Grafana. */
export function kialiValues(args: Pick<IstioMeshArgs, "prometheusUrl" | "grafana" | "istio">): Record<string, unknown> {
    const { istio } = args;
    return {
        auth: { strategy: "anonymous" },
        // The chart's Service stays ClusterIP; the lab adds its own NodePort Service (a fixed node port is
        // not settable in every chart version).
        deployment: { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "1Gi" } } },
        server: { port: kialiPort, web_root: "/kiali" },
        external_services: {
            prometheus: { url: args.prometheusUrl },
            // With monitoring.grafana off there is no Grafana for Kiali's links to point at.
            grafana: args.grafana
                ? { enabled: true, internal_url: args.grafana.inClusterUrl, external_url: args.grafana.externalUrl }
                : { enabled: false },
            tracing: {
                enabled: true,
                provider: "jaeger",
                use_grpc: false,
                internal_url: `http://tracing.${istioNamespace}:${jaegerPorts.ui}`,
                external_url: `http://${istio.listenAddress}:${istio.jaegerPort}`,
            },
            istio: { root_namespace: istioNamespace },
        },
    };
}

export class IstioMesh extends pulumi.ComponentResource {
    /** What meshed pods wait for: istiod (its sidecar injector) installed. */
    public readonly ready: pulumi.Resource[];
    /** Where a student opens Kiali and Jaeger. */
    public readonly kialiUrl: string;
    public readonly jaegerUrl: string;

    constructor(name: string, args: IstioMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:routers:IstioMesh", name, {}, formerType("rollout-lab:traffic:IstioMesh", opts));
        const child = { parent: this };
        const { istio } = args;
        const repositoryOpts = { repo: istio.chartRepo };
        const chart = (chartName: string, releaseName: string, namespace: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[], extra: Partial<k8s.helm.v3.ReleaseArgs> = {}) =>
            new k8s.helm.v3.Release(
                `${name}-${releaseName}`,
                { name: releaseName, chart: chartName, version: istio.version, repositoryOpts, namespace, createNamespace: true, values, ...extra },
                { ...child, dependsOn },
            );

        const base = chart("base", "istio-base", istioNamespace, { defaultRevision: "default" }, args.after ?? []);
        const istiod = chart("istiod", "istiod", istioNamespace, istiodValues(istio), [base], { waitForJobs: true });
        const gateway = chart("gateway", gatewayRelease, gatewayNamespace, gatewayValues(args.entryNodePort), [istiod]);

        jaeger(name, { image: istio.jaegerImage, namespace: istioNamespace, uiNodePort: args.nodePorts ? istioNodePorts.jaeger : undefined }, { parent: this, dependsOn: [istiod] });
        const kiali = new k8s.helm.v3.Release(
            `${name}-kiali`,
            {
                name: "kiali-server",
                chart: "kiali-server",
                version: istio.kialiVersion,
                repositoryOpts: { repo: istio.kialiChartRepo },
                namespace: istioNamespace,
                values: kialiValues(args),
            },
            { ...child, dependsOn: [istiod] },
        );
        if (args.nodePorts) {
            new k8s.core.v1.Service(
                `${name}-kiali-nodeport`,
                {
                    metadata: { name: "kiali-nodeport", namespace: istioNamespace, labels: { "app.kubernetes.io/part-of": "rollout-lab" } },
                    spec: {
                        type: "NodePort",
                        selector: { "app.kubernetes.io/name": "kiali", "app.kubernetes.io/instance": "kiali" },
                        ports: [{ name: "http", port: kialiPort, targetPort: kialiPort, nodePort: istioNodePorts.kiali }],
                    },
                },
                { ...child, dependsOn: [kiali] },
            );
        }
        this.ready = [base, istiod, gateway];
        this.kialiUrl = args.nodePorts ? `http://${istio.listenAddress}:${istio.kialiPort}/kiali` : `kubectl -n ${istioNamespace} port-forward svc/kiali ${kialiPort}`;
        this.jaegerUrl = args.nodePorts ? `http://${istio.listenAddress}:${istio.jaegerPort}` : `kubectl -n ${istioNamespace} port-forward svc/tracing ${jaegerPorts.ui}`;
        this.registerOutputs({ kialiUrl: this.kialiUrl, jaegerUrl: this.jaegerUrl, kiali });
    }
}
