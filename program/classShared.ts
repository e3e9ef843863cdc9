import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig } from "../components/config";
import { existingCluster } from "../components/local/clusterAccess";
import { EntryPoint, TraefikProxy } from "../components/routers/traefik/traefikProxy";
import { SharedExporters } from "../monitoring/kubernetes/sharedExporters";

// A class's shared part (`lab class`, `shared:`): what every student's lab on one cluster would otherwise
// install for itself, installed once in one namespace — node-exporter and cAdvisor (exporters), the
// Gateway API's CRDs and one Traefik with an entry point per lab (traefik). Its own stack beside the
// students' stacks, so a student's lab can come and go without touching it.

export interface ClassSharedArgs {
    /** The class's cluster: a kubeconfig file and context, kubectl's defaults where absent. */
    kubeconfig?: string;
    context?: string;
    /** The namespace of the shared parts. */
    namespace: string;
    /** node-exporter and cAdvisor, with these images. */
    exporters?: { nodeExporter: string; cadvisor: string };
    /** Traefik (its image; the Gateway API CRDs it reads) with one entry point per lab, each on the lab's NodePort. */
    traefik?: { config: LabConfig["traefik"]; gatewayApi: LabConfig["gatewayApi"]; entryPoints: EntryPoint[] };
}

/** The shared part's program (run inline by `lab class`); its output is the namespace the labs read. */
export function classSharedProgram(args: ClassSharedArgs): Record<string, unknown> {
    const provider = new k8s.Provider("class", { kubeconfig: args.kubeconfig, context: args.context });
    const labels = { "app.kubernetes.io/part-of": "rollout-lab" };
    const ns = new k8s.core.v1.Namespace("shared-ns", { metadata: { name: args.namespace, labels } }, { provider });
    const inNs = { providers: [provider], dependsOn: [ns] };
    if (args.exporters !== undefined) {
        new SharedExporters("shared", { namespace: ns.metadata.name, nodeExporterImage: args.exporters.nodeExporter, cadvisorImage: args.exporters.cadvisor }, inNs);
    }
    if (args.traefik !== undefined) {
        const { config, gatewayApi, entryPoints } = args.traefik;
        new TraefikProxy(
            "shared-traefik",
            {
                config,
                gatewayApi,
                cluster: existingCluster(args.kubeconfig, args.context),
                // Shadow's mirroring service is a lab's own Traefik's (file provider): none here.
                dynamicConfig: "# A class's shared Traefik: routes come from each lab's HTTPRoute.\n",
                serviceType: "NodePort",
                shared: { namespace: args.namespace, entryPoints, namespaceReady: ns },
            },
            { providers: [provider] },
        );
    }
    return { sharedNamespace: ns.metadata.name, entryPoints: pulumi.output(args.traefik?.entryPoints ?? []) };
}
