import { strict as assert } from "assert";
import * as path from "path";
import * as YAML from "yaml";
import { validateKubernetesObject } from "./support/kubernetesSchema";
import { CreatedResource, ProgramRun, findResource, findResources, repoRoot, runProgram, stackConfig, stackNames } from "./support/pulumiHarness";
import { describeSwarmStack } from "./support/swarmStackTests";
import { HELM_RELEASE, describeRoutedStack } from "./support/routedStackTests";
import { expectationFor } from "./support/stackExpectations";
import {
    SERVICE,
    HPA,
    KIND_CLUSTER,
    KIND_LOAD,
    LOCAL_IMAGE,
    K8S_PROVIDER,
    NAMESPACE,
    allContainers,
    assertHardenedContainers,
    isSecret,
    unwrapSecrets,
    deployments,
    deploymentsSelectedBy,
    envOf,
    theService,
} from "./support/expectations";

// Every file in stacks/ runs through the real program; the assertions below are what make each
// strategy that strategy, as test/support/stackExpectations.ts writes them down for each stack.

function isKubernetesObject(r: CreatedResource): boolean {
    return r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE && r.type !== "kubernetes:yaml:ConfigFile";
}

/** Where each object of a Kubernetes stack belongs, by the name the program gives it. */
function expectedNamespace(r: CreatedResource): string {
    if (r.name.startsWith("lab-monitoring")) {
        return "rollout-lab-monitoring";
    }
    if (r.name === "lab-istio-ingress-gateway") {
        // istio.routes httpRoute: the Gateway API Gateway sits beside the ingress gateway's Service.
        return "istio-ingress";
    }
    if (r.name.startsWith("lab-istio-")) {
        return "istio-system";
    }
    if (r.name.startsWith("lab-traefik-")) {
        return "traefik";
    }
    return "rollout-lab";
}

describe("every stack in stacks/", () => {
    const stacks = stackNames();

    it("has at least the four kind stacks", () => {
        for (const s of ["kind-recreate", "kind-rolling", "kind-bluegreen", "kind-canary"]) {
            assert.ok(stacks.includes(s), `stacks/Pulumi.${s}.yaml is missing`);
        }
    });

    for (const stack of stacks) {
        if (expectationFor(stack).swarm !== undefined) {
            describeSwarmStack(stack);
        } else {
            describeKubernetesStack(stack);
        }
    }
});

function describeKubernetesStack(stack: string): void {
        describe(stack, () => {
            let run: ProgramRun;
            const expectation = expectationFor(stack);
            const expected = expectation.kubernetes!;
            before(async () => {
                run = await runProgram(stackConfig(stack), stack);
            });

            it("says where requests go: the releases, their replicas and shares, the selector and the route", () => {
                assert.ok(expected, `${stack}: no Kubernetes expectations written down`);
                assert.deepEqual(run.outputs.routing, expectation.routing);
            });

            it("runs exactly the Deployments and Services its strategy needs, with their replicas, versions and selectors", () => {
                const appDeployments = deployments(run).filter((d) => d.inputs.metadata.namespace === "rollout-lab");
                assert.deepEqual(
                    Object.fromEntries(
                        appDeployments.map((d) => [
                            d.inputs.metadata.name,
                            { role: d.inputs.spec.template.metadata.labels["rollout-lab/role"], replicas: d.inputs.spec.replicas, version: envOf(d).VERSION, selector: d.inputs.spec.selector.matchLabels },
                        ]),
                    ),
                    expected.deployments,
                );
                for (const d of appDeployments) {
                    assert.deepEqual(d.inputs.spec.strategy, expected.replacement, `${d.inputs.metadata.name}: spec.strategy`);
                    assert.equal(d.inputs.spec.minReadySeconds, expected.minReadySeconds, `${d.inputs.metadata.name}: minReadySeconds`);
                    assert.equal(d.inputs.spec.template.metadata.labels["app.kubernetes.io/version"], expected.deployments[d.inputs.metadata.name].version);
                }
                const services = findResources(run, SERVICE).filter((svc) => svc.inputs.metadata.namespace === "rollout-lab");
                assert.deepEqual(
                    Object.fromEntries(services.map((svc) => [svc.inputs.metadata.name, { type: svc.inputs.spec.type, selector: svc.inputs.spec.selector }])),
                    expected.services,
                );
            });

            it("registers only Kubernetes objects that pass the Kubernetes schemas", async () => {
                const objects = run.resources.filter(isKubernetesObject);
                assert.ok(objects.length >= 3);
                for (const r of objects) {
                    const problems = await validateKubernetesObject(r.type, unwrapSecrets(r.inputs) as Record<string, unknown>);
                    assert.deepEqual(problems, [], `${r.type} ${r.name}`);
                }
            });

            it("puts every app object in the lab namespace, through the lab's own provider", () => {
                const providers = findResources(run, K8S_PROVIDER);
                assert.equal(providers.length, 1, "one explicit Kubernetes provider");
                const ns = findResource(run, NAMESPACE, "lab-ns");
                assert.equal(ns.inputs.metadata.name, "rollout-lab");
                const clusterScoped = [
                    NAMESPACE,
                    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                    "kubernetes:gateway.networking.k8s.io/v1:GatewayClass",
                ];
                for (const r of run.resources.filter(isKubernetesObject)) {
                    assert.match(r.provider ?? "", /[:$]pulumi:providers:kubernetes::lab-k8s::/, `${r.name} uses the lab provider`);
                    if (!clusterScoped.includes(r.type)) {
                        assert.equal(r.inputs.metadata.namespace, expectedNamespace(r), `${r.name} namespace`);
                    }
                }
            });

            it("gives every app container probes, a preStop pause, requests/limits and a locked-down security context", () => {
                assert.ok(deployments(run).length >= 1);
                assertHardenedContainers(run);
            });

            it("gives every container of every workload probes, cpu and memory requests and limits, and a pinned image", () => {
                const containers = allContainers(run);
                assert.equal(containers.length, expected.containers);
                for (const { owner, container } of containers) {
                    assert.ok(container.readinessProbe && container.livenessProbe, `${owner}/${container.name}: probes`);
                    for (const field of ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]) {
                        const [kind, resource] = field.split(".");
                        assert.ok(container.resources?.[kind]?.[resource] !== undefined, `${owner}/${container.name}: resources.${field}`);
                    }
                    assert.doesNotMatch(container.image, /:latest$|^[^:]+$/, `${owner}/${container.name}: pinned image`);
                }
            });

            it("runs every workload as a user other than root, but cAdvisor, which says why on its DaemonSet", () => {
                const workloads = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:DaemonSet");
                const owner = (w: CreatedResource) => `${w.inputs.metadata.namespace}/${w.inputs.metadata.name}`;
                const waivers = workloads.flatMap((w) =>
                    Object.entries((w.inputs.metadata.annotations ?? {}) as Record<string, string>)
                        .filter(([key]) => key.startsWith("policy.rollout-lab/"))
                        .map(([key, reason]) => [owner(w), key, reason]),
                );
                assert.deepEqual(waivers, [
                    [
                        "rollout-lab-monitoring/cadvisor",
                        "policy.rollout-lab/waive-non-root",
                        "cAdvisor reads every container's cgroups, the container runtime's state and the node's disks from the host, which takes a privileged container, as upstream's DaemonSet runs it",
                    ],
                ]);
                for (const w of workloads.filter((w) => owner(w) !== "rollout-lab-monitoring/cadvisor")) {
                    const pod = w.inputs.spec.template.spec;
                    for (const c of pod.containers) {
                        const security = { ...pod.securityContext, ...c.securityContext };
                        assert.ok(security.runAsNonRoot === true || security.runAsUser > 0, `${owner(w)}/${c.name}: runAsNonRoot or a runAsUser above 0`);
                        assert.notEqual(security.privileged, true, `${owner(w)}/${c.name}: not privileged`);
                    }
                }
            });

            // Every Kubernetes stack in stacks/ is a kind stack (platform kubernetes needs a cluster of your own).
            it("creates the kind cluster, builds the images and loads them before the pods", () => {
                const cluster = findResource(run, KIND_CLUSTER, "lab-kind-cluster");
                assert.equal(cluster.inputs.clusterName, "rollout-lab");
                assert.equal(YAML.parse(cluster.inputs.config).kind, "Cluster");
                const images = findResources(run, LOCAL_IMAGE);
                const tags = images.map((i) => i.inputs.imageName).sort();
                assert.deepEqual(tags, ["rollout-lab/demo-app:v1", "rollout-lab/demo-app:v2"]);
                for (const image of images) {
                    assert.equal(image.inputs.context, path.join(repoRoot, "app"));
                    assert.match(image.inputs.contextHash, /^[0-9a-f]{16}$/);
                    const tag = image.inputs.imageName.split(":")[1];
                    const load = findResource(run, KIND_LOAD, `lab-load-${tag}`);
                    assert.equal(load.inputs.clusterName, "rollout-lab");
                    assert.deepEqual(load.inputs.images, [image.inputs.imageName]);
                    assert.deepEqual(load.inputs.imageIds, [`sha256:${"0".repeat(64)}`]);
                    assert.equal(load.inputs.clusterCreatedAt, "2026-12-04T00:00:00.000Z");
                }
                const provider = findResources(run, K8S_PROVIDER)[0];
                // The kubeconfig holds the cluster's admin key: it must reach the provider as a secret.
                assert.ok(isSecret(provider.inputs.kubeconfig));
                assert.equal(provider.inputs.kubeconfig.value, "# kubeconfig from lab-kind-cluster");
                assert.equal(run.outputs.entryUrl, "http://127.0.0.1:8080");
            });

            if (expectation.routing.traffic !== "native") {
                describeRoutedStack(stack, () => run);
                return;
            }

            it("selects each Deployment's pods, and only them, through the one Service", () => {
                const service = theService(run);
                const selected = deploymentsSelectedBy(run, service.inputs.spec.selector);
                const byName: Record<string, string[]> = {
                    "kind-recreate": ["demo-app"],
                    "kind-rolling": ["demo-app"],
                    "kind-bluegreen": ["demo-blue"],
                    "kind-canary": ["demo-canary", "demo-stable"],
                };
                assert.deepEqual(selected, byName[stack] ?? assert.fail(`${stack}: no selection written down`));
                assert.equal(findResources(run, HPA).length, 0, "no stack asks for an autoscaler");
                assert.ok(deployments(run).every((d) => d.inputs.spec.template.spec.containers[0].image.startsWith("rollout-lab/demo-app:")));
            });
        });
    }
