import * as k8s from "@pulumi/kubernetes";
import { SharedExporters } from "../monitoring/kubernetes/sharedExporters";

// A class's shared part (`lab class`, `shared.exporters`): what every student's lab on one cluster would
// otherwise install for itself, installed once — node-exporter and cAdvisor. Its own stack beside the
// students' stacks, so a student's lab can come and go without touching it.

export interface ClassSharedArgs {
    /** The class's cluster: a kubeconfig file and context, kubectl's defaults where absent. */
    kubeconfig?: string;
    context?: string;
    /** The namespace of the shared parts. */
    namespace: string;
    images: { nodeExporter: string; cadvisor: string };
}

/** The shared part's program (run inline by `lab class`); its output is the namespace the labs read. */
export function classSharedProgram(args: ClassSharedArgs): Record<string, unknown> {
    const provider = new k8s.Provider("class", { kubeconfig: args.kubeconfig, context: args.context });
    const exporters = new SharedExporters(
        "shared",
        { namespace: args.namespace, nodeExporterImage: args.images.nodeExporter, cadvisorImage: args.images.cadvisor },
        { providers: [provider] },
    );
    return { exportersNamespace: exporters.namespace };
}
