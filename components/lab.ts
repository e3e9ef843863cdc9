import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabConfig, parseLabConfig, rawConfigFromPulumi } from "./config";
import { KubernetesPlatform } from "./platform";
import { RoutingSummary, nativeStrategy } from "./strategies";

/** What `pulumi stack output` shows. */
export interface LabOutputs {
    entryUrl: string;
    namespace: pulumi.Output<string>;
    routing: RoutingSummary;
    kubeconfig?: pulumi.Output<string>;
}

/** Reads and validates the stack config; throws one error listing every problem, before any resource exists. */
export function loadLabConfig(): LabConfig {
    return parseLabConfig(rawConfigFromPulumi(pulumi.runtime.allConfig()));
}

/** Wires platform -> app -> strategy/traffic for a Kubernetes stack. */
export function createKubernetesLab(config: LabConfig): LabOutputs {
    const platform = new KubernetesPlatform("lab", { config });
    const k8sOpts = { provider: platform.provider };
    const namespace = new k8s.core.v1.Namespace(
        "lab-ns",
        { metadata: { name: config.namespace, labels: { "app.kubernetes.io/part-of": "rollout-lab" } } },
        k8sOpts,
    );
    const strategy = nativeStrategy(
        `lab-${config.strategy}`,
        {
            config,
            namespace: namespace.metadata.name,
            images: platform.images,
            serviceType: platform.serviceType,
            dependsOn: platform.imagesReady,
        },
        { providers: { kubernetes: platform.provider } },
    );
    return {
        entryUrl: platform.entryUrl,
        namespace: namespace.metadata.name,
        routing: strategy.summary,
        kubeconfig: platform.kubeconfig,
    };
}

export function createLab(config: LabConfig): LabOutputs {
    // Config validation refuses platforms not built yet, so every config that gets here is Kubernetes.
    return createKubernetesLab(config);
}
