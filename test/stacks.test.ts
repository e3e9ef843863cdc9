import { strict as assert } from "assert";
import { validateKubernetesObject } from "./support/kubernetesSchema";
import { CreatedResource, ProgramRun, findResource, findResources, runProgram, stackConfig, stackNames, stackSettings } from "./support/pulumiHarness";
import { describeSwarmStack } from "./support/swarmStackTests";
import { HELM_RELEASE, describeRoutedStack } from "./support/routedStackTests";
import {
    COMMAND,
    HPA,
    IMAGE,
    K8S_PROVIDER,
    NAMESPACE,
    allContainers,
    assertHardenedContainers,
    isSecret,
    unwrapSecrets,
    deploymentNamed,
    deployments,
    deploymentsSelectedBy,
    envOf,
    theService,
} from "./support/expectations";

// Every file in stacks/ runs through the real program; the assertions below are what make each
// strategy that strategy, read from the stack's own config.

function isKubernetesObject(r: CreatedResource): boolean {
    return r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE;
}

/** Where each object of a Kubernetes stack belongs, by the name the program gives it. */
function expectedNamespace(r: CreatedResource): string {
    if (r.name.startsWith("lab-monitoring")) {
        return "rollout-lab-monitoring";
    }
    if (r.name.startsWith("lab-istio-")) {
        return "istio-system";
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
        const platform = (stackConfig(stack)["rollout-lab:platform"] ?? "kind") as string;
        if (platform === "swarm") {
            describeSwarmStack(stack);
        } else {
            describeKubernetesStack(stack);
        }
    }
});

function describeKubernetesStack(stack: string): void {
        describe(stack, () => {
            let run: ProgramRun;
            let config: Record<string, any>;
            before(async () => {
                config = stackSettings(stack);
                run = await runProgram(stackConfig(stack), stack);
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
                const clusterScoped = [NAMESPACE, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"];
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

            it("gives every container of every workload probes, requests and limits, and a pinned image", () => {
                const containers = allContainers(run);
                assert.ok(containers.length >= deployments(run).length + (config.monitoring === false ? 0 : 4));
                for (const { owner, container } of containers) {
                    assert.ok(container.readinessProbe && container.livenessProbe, `${owner}/${container.name}: probes`);
                    assert.ok(container.resources?.requests && container.resources?.limits, `${owner}/${container.name}: requests and limits`);
                    assert.doesNotMatch(container.image, /:latest$|^[^:]+$/, `${owner}/${container.name}: pinned image`);
                }
            });

            it("creates the kind cluster, builds the images and loads them before the pods", () => {
                if ((config.platform ?? "kind") !== "kind" || config.renderYamlTo !== undefined) {
                    return assert.equal(findResources(run, COMMAND).length, 0);
                }
                const cluster = findResource(run, COMMAND, "lab-kind-cluster");
                assert.match(cluster.inputs.create, /^kind create cluster --name rollout-lab --config - /);
                assert.equal(cluster.inputs.delete, "kind delete cluster --name rollout-lab");
                const images = findResources(run, IMAGE);
                const tags = images.map((i) => i.inputs.imageName).sort();
                assert.deepEqual(tags, [...new Set(tags)]);
                for (const image of images) {
                    assert.equal(image.inputs.skipPush, true);
                    const tag = image.inputs.imageName.split(":")[1];
                    const load = findResource(run, COMMAND, `lab-load-${tag}`);
                    assert.equal(load.inputs.create, `kind load docker-image ${image.inputs.imageName} --name rollout-lab`);
                }
                const provider = findResources(run, K8S_PROVIDER)[0];
                // The kubeconfig holds the cluster's admin key: it must reach the provider as a secret.
                assert.ok(isSecret(provider.inputs.kubeconfig));
                assert.equal(provider.inputs.kubeconfig.value, "# kubeconfig from lab-kind-cluster");
                assert.equal(run.outputs.entryUrl, "http://127.0.0.1:8080");
            });

            if ((stackSettings(stack).traffic ?? "native") !== "native") {
                describeRoutedStack(stack, () => run, () => config);
                return;
            }

            it("routes and replaces pods the way its strategy says", () => {
                const strategy = config.strategy ?? "rolling";
                const service = theService(run);
                const selected = deploymentsSelectedBy(run, service.inputs.spec.selector);
                const candidateVersion = config.candidate.version;
                switch (strategy) {
                    case "recreate":
                    case "rolling": {
                        assert.equal(deployments(run).length, 1);
                        const d = deploymentNamed(run, "demo-app");
                        assert.deepEqual(selected, ["demo-app"]);
                        const live = config.release === "candidate" ? config.candidate : config.stable ?? { version: "v1" };
                        assert.equal(envOf(d).VERSION, live.version);
                        if (strategy === "recreate") {
                            assert.deepEqual(d.inputs.spec.strategy, { type: "Recreate" });
                        } else {
                            const rolling = { maxSurge: "25%", maxUnavailable: 0, minReadySeconds: 5, ...config.rolling };
                            assert.deepEqual(d.inputs.spec.strategy, {
                                type: "RollingUpdate",
                                rollingUpdate: { maxSurge: rolling.maxSurge, maxUnavailable: rolling.maxUnavailable },
                            });
                            assert.equal(d.inputs.spec.minReadySeconds, rolling.minReadySeconds);
                        }
                        break;
                    }
                    case "bluegreen": {
                        const active = config.bluegreen?.activeColor ?? "blue";
                        assert.deepEqual(deployments(run).map((d) => d.inputs.metadata.name).sort(), ["demo-blue", "demo-green"]);
                        assert.deepEqual(selected, [`demo-${active}`]);
                        assert.equal(envOf(deploymentNamed(run, "demo-green")).VERSION, candidateVersion);
                        break;
                    }
                    case "canary": {
                        const weight = config.canary?.weight ?? 10;
                        const total = config.canary?.totalReplicas ?? 10;
                        const stable = deploymentNamed(run, "demo-stable");
                        const canary = deploymentNamed(run, "demo-canary");
                        assert.deepEqual(selected, ["demo-canary", "demo-stable"]);
                        assert.equal(canary.inputs.spec.replicas, Math.round((total * weight) / 100));
                        assert.equal(stable.inputs.spec.replicas + canary.inputs.spec.replicas, total);
                        assert.equal(envOf(canary).VERSION, candidateVersion);
                        break;
                    }
                    default:
                        assert.fail(`no assertions written for strategy ${strategy}`);
                }
                assert.equal(findResources(run, HPA).length, config.hpa ? deployments(run).filter((d) => d.inputs.spec.replicas > 0).length : 0);
                assert.ok(deployments(run).every((d) => d.inputs.spec.template.spec.containers[0].image.startsWith("rollout-lab/demo-app:")));
            });
        });
    }
