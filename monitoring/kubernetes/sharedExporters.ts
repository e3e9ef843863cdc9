import * as pulumi from "@pulumi/pulumi";
import { cadvisor, nodeExporter } from "./exporters";

export interface SharedExportersArgs {
    /** The namespace they run in (a class's `<class>-shared`, made by its owner); the labs name it as monitoring.exportersNamespace. */
    namespace: pulumi.Input<string>;
    nodeExporterImage: string;
    cadvisorImage: string;
}

/**
 * node-exporter and cAdvisor once for every lab on a cluster (a class's shared part): one DaemonSet each in
 * the shared namespace. Each lab's Prometheus reads them through a role in this namespace its own stack
 * makes (monitoring.exportersNamespace), and keeps only its own namespaces' containers.
 */
export class SharedExporters extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: SharedExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:monitoring:SharedExporters", name, {}, opts);
        this.namespace = pulumi.output(args.namespace);
        const exporterArgs = { namespace: args.namespace, nodeExporterImage: args.nodeExporterImage, cadvisorImage: args.cadvisorImage };
        nodeExporter(`${name}-node-exporter`, exporterArgs, { parent: this });
        cadvisor(`${name}-cadvisor`, exporterArgs, { parent: this });
        this.registerOutputs({ namespace: this.namespace });
    }
}
