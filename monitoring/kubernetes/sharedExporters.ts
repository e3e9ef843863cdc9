import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { cadvisor, nodeExporter } from "./exporters";

export interface SharedExportersArgs {
    /** The namespace they run in (a class's `<class>-shared`); the labs name it as monitoring.exportersNamespace. */
    namespace: string;
    nodeExporterImage: string;
    cadvisorImage: string;
}

/**
 * node-exporter and cAdvisor once for every lab on a cluster (a class's shared part): one DaemonSet each in
 * a namespace of their own. Each lab's Prometheus reads them through a role in this namespace its own stack
 * makes (monitoring.exportersNamespace), and keeps only its own namespaces' containers.
 */
export class SharedExporters extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: SharedExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:monitoring:SharedExporters", name, {}, opts);
        const labels = { "app.kubernetes.io/part-of": "rollout-lab" };
        const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: args.namespace, labels } }, { parent: this });
        this.namespace = ns.metadata.name;
        const exporterArgs = { namespace: ns.metadata.name, nodeExporterImage: args.nodeExporterImage, cadvisorImage: args.cadvisorImage };
        const inNs = { parent: this, dependsOn: [ns] };
        nodeExporter(`${name}-node-exporter`, exporterArgs, inNs);
        cadvisor(`${name}-cadvisor`, exporterArgs, inNs);
        this.registerOutputs({ namespace: this.namespace });
    }
}
