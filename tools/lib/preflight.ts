// Before a lab goes up on a cluster it did not create (platform kubernetes): what the cluster must have or
// must not have, asked through kubectl, each problem naming the key, the value and what is allowed. The
// engine would otherwise fail half-way (a NodePort taken, a namespace another owner's) or leave a route
// no controller reads.
import { LabConfig } from "../../components/config";
import { Kubectl, kubectlFor } from "./kubectl";

export type { Kubectl };

export interface PreflightProblem {
    key: string;
    given: string;
    allowed: string;
}

/** kubectl with the stack's kubernetes.kubeconfig and kubernetes.context. */
export function clusterKubectl(config: LabConfig): Kubectl {
    return kubectlFor({ kubeconfigFile: config.kubernetes.kubeconfig, context: config.kubernetes.context });
}

const partOf = "app.kubernetes.io/part-of";

/** What stands in the way of this lab on this cluster; empty when it can go up. Only for platform kubernetes. */
export async function preflightProblems(config: LabConfig, kubectl: Kubectl): Promise<PreflightProblem[]> {
    if (config.platform !== "kubernetes" || config.renderYamlTo !== undefined) {
        return [];
    }
    const where = config.kubernetes.context !== undefined ? `context ${config.kubernetes.context}` : "kubectl's current context";
    try {
        await kubectl("get", "--raw", "/version");
    } catch (e) {
        const reason = (e as Error).message.replace(/^kubectl get --raw \/version: /, "").split("\n")[0];
        return [{ key: "kubernetes.kubeconfig", given: JSON.stringify(config.kubernetes.kubeconfig ?? "(kubectl's default)"), allowed: `a kubeconfig whose ${where} reaches a cluster (${reason})` }];
    }
    const problems: PreflightProblem[] = [];
    const namespaces = JSON.parse(await kubectl("get", "namespaces", "-o", "json")) as { items: { metadata: { name: string; labels?: Record<string, string> } }[] };
    const ns = namespaces.items.find((n) => n.metadata.name === config.namespace);
    if (ns !== undefined && ns.metadata.labels?.[partOf] !== "rollout-lab") {
        problems.push({ key: "namespace", given: JSON.stringify(config.namespace), allowed: `a namespace the cluster does not have yet, or one a lab made (${config.namespace} exists without the label ${partOf}=rollout-lab)` });
    }
    // A router the cluster runs (install: false) is reached through its own Service: the lab holds no NodePort.
    const entryIsTheClusters = (config.traffic === "traefik" && !config.traefik.install) || (config.traffic === "istio" && !config.istio.install);
    if (config.kubernetes.serviceType !== "ClusterIP" && !entryIsTheClusters) {
        const services = JSON.parse(await kubectl("get", "services", "--all-namespaces", "-o", "json")) as {
            items: { metadata: { name: string; namespace: string }; spec: { ports?: { nodePort?: number }[] } }[];
        };
        const taken = services.items.find((s) => s.metadata.namespace !== config.namespace && (s.spec.ports ?? []).some((p) => p.nodePort === config.kubernetes.nodePort));
        if (taken !== undefined) {
            const used = new Set(services.items.flatMap((s) => (s.spec.ports ?? []).map((p) => p.nodePort)).filter((p): p is number => p !== undefined));
            const free = Array.from({ length: 32767 - 30000 + 1 }, (_, i) => 30000 + i).find((p) => p > config.kubernetes.nodePort && !used.has(p));
            problems.push({
                key: "kubernetes.nodePort",
                given: String(config.kubernetes.nodePort),
                allowed: `a NodePort no other Service holds (Service ${taken.metadata.namespace}/${taken.metadata.name} has ${config.kubernetes.nodePort}${free !== undefined ? `; ${free} is free` : ""})`,
            });
        }
    }
    const needs = clusterNeeds(config);
    for (const need of needs) {
        const found = await kubectl("get", need.resource, need.name, ...(need.namespace !== undefined ? ["-n", need.namespace] : []), "--ignore-not-found", "-o", "name");
        if (found.trim() === "") {
            problems.push({ key: need.key, given: need.given, allowed: need.allowed });
        }
    }
    return problems;
}

/** A class's shared namespace in the way: one the cluster has that no lab made (undefined when free or the class's). */
export async function sharedNamespaceProblem(namespace: string, kubectl: Kubectl): Promise<PreflightProblem | undefined> {
    const found = (await kubectl("get", "namespace", namespace, "--ignore-not-found", "-o", "json")).trim();
    const labels = found === "" ? undefined : ((JSON.parse(found) as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {});
    if (labels !== undefined && labels[partOf] !== "rollout-lab") {
        return { key: "class file:shared.exporters", given: "true", allowed: `a cluster without a namespace ${namespace} that no lab made (it exists without the label ${partOf}=rollout-lab; rename the class)` };
    }
    return undefined;
}

/** What the stack leaves to the cluster (install: false) and so must find there. */
type ClusterNeed = { resource: string; name: string; namespace?: string; key: string; given: string; allowed: string };

function clusterNeeds(config: LabConfig): ClusterNeed[] {
    const needs: ClusterNeed[] = [];
    const shared = config.monitoring.enabled ? config.monitoring.exportersNamespace : undefined;
    if (shared !== undefined) {
        needs.push({ resource: "daemonset", name: "cadvisor", namespace: shared, key: "monitoring.exportersNamespace", given: JSON.stringify(shared), allowed: `a namespace where node-exporter and cAdvisor run for several labs (no DaemonSet cadvisor in ${shared}: lab class up with shared.exporters installs them), or leave it unset for the lab's own` });
    }
    const routesByGateway = config.traffic === "traefik" || (config.traffic === "istio" && config.istio.routes === "httpRoute");
    if (routesByGateway && !config.gatewayApi.install) {
        needs.push({ resource: "customresourcedefinition", name: "httproutes.gateway.networking.k8s.io", key: "gatewayApi.install", given: "false", allowed: "true, or a cluster with the Gateway API's CRDs (httproutes.gateway.networking.k8s.io is not there)" });
    }
    if (config.traffic === "traefik" && !config.traefik.install) {
        needs.push({ resource: "gatewayclass", name: "traefik", key: "traefik.install", given: "false", allowed: "true, or a cluster whose Traefik claims a GatewayClass traefik (none is there)" });
    }
    if (config.traffic === "istio" && !config.istio.install) {
        needs.push({ resource: "customresourcedefinition", name: "virtualservices.networking.istio.io", key: "istio.install", given: "false", allowed: "true, or a cluster running Istio (virtualservices.networking.istio.io is not there)" });
    }
    return needs;
}

/** What the cluster refuses, before anything is created: the lab's exit code 2, as a bad config's. */
export class PreflightError extends Error {
    constructor(
        stack: string,
        public readonly problems: PreflightProblem[],
    ) {
        super(`${stack} cannot go up on this cluster (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p.key.includes(":") ? p.key : `rollout-lab:${p.key}`}: got ${p.given}; allowed: ${p.allowed}`).join("\n")}`);
        this.name = "PreflightError";
    }
}

/**
 * Throws a PreflightError when the stack cannot go up on its cluster; `provided` names keys whose needs the
 * caller installs itself before the lab (lab class's shared part).
 */
export async function assertPreflight(stack: string, config: LabConfig, kubectl: Kubectl = clusterKubectl(config), provided: string[] = []): Promise<void> {
    const problems = (await preflightProblems(config, kubectl)).filter((p) => !provided.includes(p.key));
    if (problems.length > 0) {
        throw new PreflightError(stack, problems);
    }
}
