import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { ClusterAccess, kubectlAccess } from "./clusterAccess";
import { reapplyingProvider, runLocal } from "./localProcess";

// When a Service's selector switches colour, `up` should return once the switch has landed, and not
// later. The Kubernetes provider's own await on a Service waits for any ready endpoint and then for 10 s
// after the last change to its endpoints (its "settle" timer): a blue/green switch was live 1.4 s after
// the command and `up` returned 11.7 s after it. The entry Service is given `pulumi.com/skipAwait` and
// this resource waits instead, through kubectl: until every ready endpoint of the Service is a pod its
// selector selects (at least one), then for kube-proxy's minimum sync period, so that the nodes' rules
// follow the endpoints. It runs when created and when the selector changes; an unchanged selector waits
// for nothing.

export interface ServiceSwitchInputs {
    namespace: string;
    service: string;
    selector: Record<string, string>;
    kubeconfig?: string;
    kubeconfigFile?: string;
    context?: string;
}

/** kube-proxy's default minSyncPeriod (iptables and nftables): it applies an endpoint change at most this long after the last sync. */
export const kubeProxySyncSeconds = 1;
/** How long the switch may take before the update fails naming what the endpoints still hold. */
export const switchTimeoutSeconds = 300;

export interface EndpointSliceList {
    items: { endpoints?: { conditions?: { ready?: boolean | null }; targetRef?: { kind?: string; name?: string } }[] | null }[];
}

/** The pods behind the Service's ready endpoints that its selector does not select, or null when none is ready yet. */
export function strayEndpoints(slices: EndpointSliceList, selected: ReadonlySet<string>): string[] | null {
    const ready = slices.items
        .flatMap((s) => s.endpoints ?? [])
        // An endpoint whose ready condition is unknown (null) counts as ready, as the EndpointSlice API says.
        .filter((e) => e.conditions?.ready !== false)
        .map((e) => (e.targetRef?.kind === "Pod" ? e.targetRef.name ?? "" : `${e.targetRef?.kind ?? "address"} ${e.targetRef?.name ?? ""}`.trim()));
    return ready.length === 0 ? null : ready.filter((p) => !selected.has(p));
}

/** Throws, before anything is changed, when kubectl is not on PATH (the program runs before any step). */
export function assertKubectl(why: string, env: NodeJS.ProcessEnv = process.env): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("fs") as typeof import("fs");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require("path") as typeof import("path");
    const found = (env.PATH ?? "").split(path.delimiter).some((dir) => {
        try {
            fs.accessSync(path.join(dir || ".", "kubectl"), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
    if (!found) {
        throw new Error(`kubectl is not on PATH: ${why}. Nothing was changed. Install kubectl (https://kubernetes.io/docs/tasks/tools/) and run the command again`);
    }
}

async function waitForSwitch(inputs: ServiceSwitchInputs): Promise<void> {
    const access = kubectlAccess(inputs, "rollout-lab-switch-");
    const base = [...access.args, "-n", inputs.namespace];
    const selector = Object.entries(inputs.selector).map(([k, v]) => `${k}=${v}`).join(",");
    const deadline = Date.now() + switchTimeoutSeconds * 1000;
    let seen = "no ready endpoint yet";
    try {
        for (;;) {
            const pods = JSON.parse(await runLocal("kubectl", [...base, "get", "pods", "-l", selector, "-o", "json"], { timeoutMs: 30_000 })) as { items: { metadata: { name: string } }[] };
            const slices = JSON.parse(await runLocal("kubectl", [...base, "get", "endpointslices", "-l", `kubernetes.io/service-name=${inputs.service}`, "-o", "json"], { timeoutMs: 30_000 })) as EndpointSliceList;
            const stray = strayEndpoints(slices, new Set(pods.items.map((p) => p.metadata.name)));
            if (stray !== null && stray.length === 0) break;
            seen = stray === null ? "no ready endpoint yet" : `still ready behind it, not selected by ${selector}: ${stray.join(", ")}`;
            if (Date.now() > deadline) {
                throw new Error(`Service ${inputs.namespace}/${inputs.service}: the switch to ${selector} did not land within ${switchTimeoutSeconds} s (${seen})`);
            }
            await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, kubeProxySyncSeconds * 1000));
    } finally {
        access.done();
    }
}

const serviceSwitchProvider = reapplyingProvider<ServiceSwitchInputs>(["namespace", "service", "selector"], (i) => `${i.namespace}/${i.service}`, waitForSwitch);

/** Waits, when created and when the selector changes, until the Service's ready endpoints are the selected pods only. */
export class ServiceSwitch extends LabResource {
    constructor(name: string, args: { namespace: pulumi.Input<string>; service: string; selector: Record<string, string>; access: ClusterAccess }, opts?: pulumi.CustomResourceOptions) {
        const { access, ...rest } = args;
        super(
            serviceSwitchProvider,
            "ServiceSwitch",
            name,
            { ...rest, kubeconfig: access.kubeconfig, kubeconfigFile: access.kubeconfigFile, context: access.context },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
        );
    }
}
