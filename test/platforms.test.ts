import { strict as assert } from "assert";
import * as path from "path";
import * as YAML from "yaml";
import { clusterOf, studentKubeconfig } from "../components/kubernetes/studentAccess";
import { parseLabConfig } from "../components/labConfig";
import { KindImageLoad } from "../components/local";
import { KubernetesPlatform, kindClusterConfig } from "../components/platform";
import { findResource, findResources, runProgram, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import { K8S_PROVIDER, KIND_CLUSTER, KIND_LOAD, LOCAL_IMAGE, deploymentNamed, deployments, theService } from "./support/expectations";


function withConfig(stack: string, extra: Record<string, unknown>): Record<string, string> {
    return { ...stackConfig(stack), ...toPulumiConfig(extra) };
}

describe("platforms", () => {
    it("kind: one control plane and three labelled workers, the entry port on 127.0.0.1 only", () => {
        const cfg = kindClusterConfig({ clusterName: "lab", workers: 3, hostPort: 8080, entryNodePort: 30080 }) as any;
        assert.deepEqual(cfg.nodes.map((n: any) => n.role), ["control-plane", "worker", "worker", "worker"]);
        assert.deepEqual(cfg.nodes[0].extraPortMappings, [{ containerPort: 30080, hostPort: 8080, listenAddress: "127.0.0.1", protocol: "TCP" }]);
        assert.deepEqual(cfg.nodes.slice(1).map((n: any) => n.labels["deployment.type"]), ["stable", "stable", "canary"]);
    });

    it("kind: the cluster config reaches `kind create cluster` on stdin", async () => {
        const run = await runProgram(withConfig("kind-canary", { "rollout-lab:kind": { workers: 2, hostPort: 9090, nodeImage: "kindest/node:v1.33.1" } }));
        const cluster = findResource(run, KIND_CLUSTER, "lab-kind-cluster");
        assert.match(cluster.inputs.config, /hostPort: 9090/);
        assert.equal((cluster.inputs.config.match(/role: worker/g) ?? []).length, 2);
        assert.equal((cluster.inputs.config.match(/image: kindest\/node:v1.33.1/g) ?? []).length, 3);
        assert.equal(YAML.parse(cluster.inputs.config).networking, undefined, "kindnetd, kind's own pod network, by default");
        assert.equal(run.outputs.entryUrl, "http://127.0.0.1:9090");
    });

    it("kind: a cgroup v1 host is allowed by default; unprivileged nodes and extra images reach every kind command", async () => {
        const plain = kindClusterConfig({ clusterName: "lab", workers: 1, hostPort: 8080, entryNodePort: 30080, allowCgroupV1: true }) as any;
        assert.deepEqual(plain.kubeadmConfigPatches, ["kind: KubeletConfiguration\nfailCgroupV1: false\n"]);
        const old = kindClusterConfig({ clusterName: "lab", workers: 1, hostPort: 8080, entryNodePort: 30080, allowCgroupV1: false }) as any;
        assert.equal(old.kubeadmConfigPatches, undefined);

        const run = await runProgram(
            withConfig("kind-canary", {
                "rollout-lab:kind": { privileged: false, nodeImage: "rollout-lab/kind-node:v1.37.2", loadImages: ["rollout-lab/prometheus:abc", "rollout-lab/cadvisor:def"] },
            }),
        );
        const cluster = findResource(run, KIND_CLUSTER, "lab-kind-cluster");
        assert.deepEqual(cluster.inputs.env, { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" });
        assert.equal((cluster.inputs.config.match(/role: worker/g) ?? []).length, 1, "one worker by default");
        assert.match(cluster.inputs.config, /failCgroupV1: false/);
        const extra = findResource(run, KIND_LOAD, "lab-kind-load-images");
        assert.deepEqual(extra.inputs.images, ["rollout-lab/prometheus:abc", "rollout-lab/cadvisor:def"]);
        assert.deepEqual(extra.inputs.imageIds, []);
        const loads = findResources(run, KIND_LOAD);
        assert.equal(loads.length, 3, "the extra images and one load per release");
        for (const load of loads) {
            assert.deepEqual(load.inputs.env, { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" }, load.name);
        }

        const privileged = await runProgram(withConfig("kind-canary", {}));
        assert.deepEqual(findResource(privileged, KIND_CLUSTER, "lab-kind-cluster").inputs.env, {});
        assert.equal(findResources(privileged, KIND_LOAD).filter((r) => r.name === "lab-kind-load-images").length, 0);
    });

    it("kind: podNetwork bridge turns kind's CNI off and gives the pods 10.244.0.0/16", async () => {
        const run = await runProgram(withConfig("kind-canary", { "rollout-lab:kind": { podNetwork: "bridge", nodeImage: "rollout-lab/kind-node:v1.37.2" } }));
        const config = YAML.parse(findResource(run, KIND_CLUSTER, "lab-kind-cluster").inputs.config);
        assert.deepEqual(config.networking, { disableDefaultCNI: true, podSubnet: "10.244.0.0/16" });
        // Stock kindest/node has no pod-network service of the lab's: its nodes would never be Ready.
        await assert.rejects(
            runProgram(withConfig("kind-canary", { "rollout-lab:kind": { podNetwork: "bridge" } })),
            (e: Error) => e.message.includes('rollout-lab:kind.podNetwork: got "bridge"; allowed: "kindnetd" with kind\'s own node image, or "bridge" with kind.nodeImage set to one scripts/kind-node.sh built'),
        );
    });

    it("kind: the app's pods wait for the images loaded into the cluster", () => {
        const platform = new KubernetesPlatform("lab", { config: parseLabConfig({ candidate: { version: "v2" } }), entryService: { namespace: "rollout-lab", name: "demo-app" }, hostPorts: [] });
        assert.equal(platform.imagesReady.length, 2);
        for (const r of platform.imagesReady) {
            assert.ok(r instanceof KindImageLoad, "a load into kind, not just the build");
        }
    });

    it("render mode writes manifests to a folder: no cluster, no image build", async () => {
        const run = await runProgram(withConfig("kind-canary", { "rollout-lab:renderYamlTo": "rendered/kind-canary" }));
        assert.equal(findResources(run, KIND_CLUSTER).length, 0);
        assert.equal(findResources(run, LOCAL_IMAGE).length, 0);
        const provider = findResources(run, K8S_PROVIDER)[0];
        assert.equal(provider.inputs.renderYamlToDirectory, "rendered/kind-canary");
        assert.equal(deployments(run).length, 2);
        assert.equal(deploymentNamed(run, "demo-canary").inputs.spec.template.spec.containers[0].image, "rollout-lab/demo-app:v2");
    });

    it("kubernetes: an existing cluster from a kubeconfig context, pulling the configured image", async () => {
        const run = await runProgram(
            toPulumiConfig({
                "rollout-lab:platform": "kubernetes",
                "rollout-lab:strategy": "bluegreen",
                "rollout-lab:candidate": { version: "v2", imageTag: "2.0.0" },
                "rollout-lab:app": { image: "registry.example.com/team/demo-app" },
                "rollout-lab:kubernetes": { context: "staging", kubeconfig: "/home/me/.kube/config", serviceType: "ClusterIP" },
            }),
        );
        assert.equal(findResources(run, KIND_CLUSTER).length, 0);
        assert.equal(findResources(run, LOCAL_IMAGE).length, 0);
        const provider = findResources(run, K8S_PROVIDER)[0];
        assert.equal(provider.inputs.context, "staging");
        assert.equal(provider.inputs.kubeconfig, "/home/me/.kube/config");
        assert.equal(deploymentNamed(run, "demo-green").inputs.spec.template.spec.containers[0].image, "registry.example.com/team/demo-app:2.0.0");
        const svc = theService(run).inputs.spec;
        assert.equal(svc.type, "ClusterIP");
        assert.equal(svc.ports[0].nodePort, undefined);
    });

    it("kubernetes: labs side by side take a namespace and a NodePort each; Prometheus's cluster-wide role is named after its lab", async () => {
        const lab = (namespace: string, nodePort: number) =>
            runProgram(
                toPulumiConfig({
                    "rollout-lab:platform": "kubernetes",
                    "rollout-lab:strategy": "canary",
                    "rollout-lab:namespace": namespace,
                    "rollout-lab:candidate": { version: "v2" },
                    "rollout-lab:kubernetes": { kubeconfig: "/tmp/class/kubeconfig", nodePort },
                    "rollout-lab:monitoring": { enabled: true, grafana: false },
                }),
            );
        const b = await lab("lab-b", 30082);
        const services = findResources(b, "kubernetes:core/v1:Service").filter((r) => r.inputs.metadata.namespace === "lab-b");
        assert.equal(services.length, 1, "one Service in lab-b fronts the app");
        const svc = services[0].inputs;
        assert.deepEqual([svc.spec.type, svc.spec.ports[0].nodePort], ["NodePort", 30082]);
        assert.equal(b.outputs.entryUrl, "http://<any node address>:30082");
        const role = (r: typeof b, kind: string) => findResources(r, `kubernetes:rbac.authorization.k8s.io/v1:${kind}`).map((x) => x.inputs.metadata.name);
        assert.deepEqual(role(b, "ClusterRole"), ["lab-b-prometheus"]);
        assert.deepEqual(role(b, "ClusterRoleBinding"), ["lab-b-prometheus"]);
        // The default lab keeps the names it always had: a running lab's objects are not renamed.
        const a = await lab("rollout-lab", 30080);
        assert.deepEqual(role(a, "ClusterRole"), ["rollout-lab-prometheus"]);
        assert.equal(theService(a).inputs.spec.ports[0].nodePort, 30080);
    });

    it("kubernetes: with a class's shared exporters a lab installs none, its Prometheus reads pods through roles in its namespace and the exporters' only, and keeps only its own namespaces' containers from cAdvisor", async () => {
        const run = await runProgram(
            toPulumiConfig({
                "rollout-lab:platform": "kubernetes",
                "rollout-lab:strategy": "canary",
                "rollout-lab:namespace": "lab-bob",
                "rollout-lab:candidate": { version: "v2" },
                "rollout-lab:kubernetes": { kubeconfig: "/tmp/class/kubeconfig", nodePort: 30082 },
                "rollout-lab:monitoring": { enabled: true, grafana: false, exportersNamespace: "cloud-101-shared" },
            }),
        );
        assert.deepEqual(findResources(run, "kubernetes:apps/v1:DaemonSet"), [], "no node-exporter or cAdvisor of the lab's own");
        assert.deepEqual(findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"), []);
        assert.deepEqual(findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"), []);
        const byNamespace = (kind: string) => findResources(run, `kubernetes:rbac.authorization.k8s.io/v1:${kind}`).map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort();
        assert.deepEqual(byNamespace("Role"), ["cloud-101-shared/lab-bob-monitoring-prometheus", "lab-bob/lab-bob-monitoring-prometheus"]);
        assert.deepEqual(byNamespace("RoleBinding"), ["cloud-101-shared/lab-bob-monitoring-prometheus", "lab-bob/lab-bob-monitoring-prometheus"]);
        const binding = findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")[0].inputs;
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "prometheus", namespace: "lab-bob-monitoring" }]);
        const prom = YAML.parse(findResource(run, "kubernetes:core/v1:ConfigMap", "lab-monitoring-prometheus-config").inputs.data["prometheus.yml"]);
        const job = (name: string) => prom.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
        assert.deepEqual(job("node-exporter").kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["cloud-101-shared"] } }]);
        assert.deepEqual(job("cadvisor").kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["cloud-101-shared"] } }]);
        assert.deepEqual(job("cadvisor").metric_relabel_configs, [{ source_labels: ["container_label_io_kubernetes_pod_namespace"], regex: "|lab-bob|lab-bob-monitoring", action: "keep" }]);
        assert.equal(job("node-exporter").metric_relabel_configs, undefined, "a node's figures are the node's, whoever reads them");

        const alone = await runProgram(withConfig("kind-canary", { "rollout-lab:monitoring": { enabled: true, grafana: false } }));
        assert.equal(findResources(alone, "kubernetes:apps/v1:DaemonSet").length, 2, "a lab alone runs its own exporters");
        const cadvisorJob = YAML.parse(findResource(alone, "kubernetes:core/v1:ConfigMap", "lab-monitoring-prometheus-config").inputs.data["prometheus.yml"]).scrape_configs.find((j: { job_name: string }) => j.job_name === "cadvisor");
        assert.equal(cadvisorJob.metric_relabel_configs, undefined);
    });

    it("kubernetes: a Traefik lab over the cluster's Traefik (a class's shared one) makes no Traefik, no CRDs and no NodePort; its Gateway listens on its own entry point's port", async () => {
        const run = await runProgram(
            toPulumiConfig({
                "rollout-lab:platform": "kubernetes",
                "rollout-lab:strategy": "canary",
                "rollout-lab:traffic": "traefik",
                "rollout-lab:namespace": "lab-dave",
                "rollout-lab:candidate": { version: "v2" },
                "rollout-lab:canary": { weight: 30 },
                "rollout-lab:kubernetes": { nodePort: 30084, entryUrl: "http://127.0.0.1:30084" },
                "rollout-lab:monitoring": false,
                "rollout-lab:traefik": { install: false, listenerPort: 8004 },
                "rollout-lab:gatewayApi": { install: false },
            }),
        );
        const gateway = findResources(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway").map((g) => g.inputs);
        assert.deepEqual(gateway.map((g) => [g.metadata.namespace, g.spec.gatewayClassName, g.spec.listeners[0].port]), [["lab-dave", "traefik", 8004]]);
        assert.deepEqual(findResources(run, "kubernetes:apps/v1:Deployment").map((d) => d.inputs.metadata.namespace), ["lab-dave", "lab-dave"], "the app's two releases, no Traefik");
        assert.deepEqual(findResources(run, "kubernetes:yaml:ConfigFile").concat(findResources(run, "pulumi-nodejs:dynamic/rollout-lab:CrdBundle")), [], "no CRDs");
        assert.ok(findResources(run, "kubernetes:core/v1:Service").every((svc) => svc.inputs.spec.type !== "NodePort"), "no NodePort: the entry is the cluster's Traefik");
        assert.equal(run.outputs.entryUrl, "http://127.0.0.1:30084");
        // Without a port, Traefik's web entry point (8000); a port with the lab's own Traefik is refused.
        const own = await runProgram(withConfig("kind-canary-traefik", {}));
        assert.equal(findResources(own, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0].inputs.spec.listeners[0].port, 8000);
        assert.throws(
            () => parseLabConfig({ platform: "kubernetes", traffic: "traefik", strategy: "canary", candidate: { version: "v2" }, traefik: { listenerPort: 8004 } }),
            /traefik\.listenerPort: got 8004; allowed: nothing while traefik\.install is true/,
        );
    });

    it("kubernetes: app.shutdown sets each app pod's preStop pause and grace period; 0 leaves the pause out; a grace period not longer than the pause is refused", async () => {
        const pods = async (shutdown: Record<string, number>) =>
            findResources(await runProgram(withConfig("kind-canary", { "rollout-lab:app": { shutdown }, "rollout-lab:monitoring": false })), "kubernetes:apps/v1:Deployment").map((d) => {
                const spec = d.inputs.spec.template.spec;
                return [d.inputs.metadata.name, spec.terminationGracePeriodSeconds, spec.containers[0].lifecycle?.preStop?.sleep?.seconds ?? "none"];
            });
        assert.deepEqual(await pods({}), [["demo-stable", 30, 5], ["demo-canary", 30, 5]]);
        assert.deepEqual(await pods({ preStopSeconds: 12, gracePeriodSeconds: 45 }), [["demo-stable", 45, 12], ["demo-canary", 45, 12]]);
        assert.deepEqual(await pods({ preStopSeconds: 0 }), [["demo-stable", 30, "none"], ["demo-canary", 30, "none"]]);
        assert.throws(
            () => parseLabConfig({ candidate: { version: "v2" }, app: { shutdown: { preStopSeconds: 10, gracePeriodSeconds: 10 } } }),
            /app\.shutdown\.gracePeriodSeconds: got 10; allowed: more than app\.shutdown\.preStopSeconds \(10\)/,
        );
    });

    it("kubernetes: shared exporters are refused on swarm, naming the key", () => {
        assert.throws(
            () => parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, monitoring: { exportersNamespace: "cloud-101-shared" } }),
            /monitoring\.exportersNamespace: got "cloud-101-shared"; allowed: nothing on swarm/,
        );
    });

    it("kubernetes: a NodePort outside the cluster's range is refused, naming the key and the range", async () => {
        await assert.rejects(
            runProgram(toPulumiConfig({ "rollout-lab:platform": "kubernetes", "rollout-lab:candidate": { version: "v2" }, "rollout-lab:kubernetes": { nodePort: 8080 } })),
            /rollout-lab:kubernetes\.nodePort: got 8080; allowed: at least 30000/,
        );
    });

    it("kubernetes: kubernetes.entryUrl is where the lab says it answers; a value that is no http URL is refused", async () => {
        const config = (entryUrl: string) => toPulumiConfig({ "rollout-lab:platform": "kubernetes", "rollout-lab:candidate": { version: "v2" }, "rollout-lab:kubernetes": { nodePort: 30083, entryUrl } });
        assert.equal((await runProgram(config("http://127.0.0.1:18083"))).outputs.entryUrl, "http://127.0.0.1:18083");
        await assert.rejects(runProgram(config("node1:30083")), /rollout-lab:kubernetes\.entryUrl: got "node1:30083"; allowed: an http:\/\/ or https:\/\/ URL/);
    });

    describe("kubernetes.studentAccess", () => {
        const teacher = path.join(__dirname, "fixtures", "teacher-kubeconfig.yaml");

        it("a service account with edit in the lab's namespace and view in its monitoring namespace, nothing cluster-wide; its kubeconfig a secret output", async () => {
            const run = await runProgram(
                toPulumiConfig({
                    "rollout-lab:platform": "kubernetes",
                    "rollout-lab:strategy": "canary",
                    "rollout-lab:namespace": "lab-b",
                    "rollout-lab:candidate": { version: "v2" },
                    "rollout-lab:kubernetes": { kubeconfig: teacher, nodePort: 30082, studentAccess: true },
                    "rollout-lab:monitoring": { enabled: true, grafana: false },
                }),
            );
            const account = findResource(run, "kubernetes:core/v1:ServiceAccount", "lab-student-sa");
            assert.equal(account.inputs.metadata.namespace, "lab-b");
            const token = findResource(run, "kubernetes:core/v1:Secret", "lab-student-token");
            assert.deepEqual([token.inputs.type, token.inputs.metadata.annotations], ["kubernetes.io/service-account-token", { "kubernetes.io/service-account.name": "student" }]);
            const bindings = findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((b) => [b.inputs.metadata.namespace, b.inputs.roleRef.kind, b.inputs.roleRef.name, b.inputs.subjects]);
            const subject = [{ kind: "ServiceAccount", name: "student", namespace: "lab-b" }];
            assert.deepEqual(bindings, [
                ["lab-b", "ClusterRole", "edit", subject],
                ["lab-b-monitoring", "ClusterRole", "view", subject],
            ]);
            const roles = findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter((b) => JSON.stringify(b.inputs.subjects).includes("student"));
            assert.deepEqual(roles, [], "no cluster-wide binding for the student");
            assert.ok("studentKubeconfig" in run.outputs);
        });

        it("the student's kubeconfig names the teacher's cluster (its CA inline or read from its file) and the lab's namespace", () => {
            const kc = YAML.parse(studentKubeconfig(clusterOf(teacher, undefined), "lab-b", "tok-123"));
            assert.deepEqual(kc.clusters, [{ name: "lab", cluster: { server: "https://class.example:6443", "certificate-authority-data": "Q0xBU1MtQ0E=" } }]);
            assert.deepEqual(kc.users, [{ name: "student", user: { token: "tok-123" } }]);
            assert.deepEqual(kc.contexts, [{ name: "lab", context: { cluster: "lab", user: "student", namespace: "lab-b" } }]);
            assert.deepEqual(clusterOf(teacher, "other"), { server: "https://other.example:6443", caData: Buffer.from("OTHER-CA\n").toString("base64") });
            assert.throws(() => clusterOf(teacher, "nope"), /kubernetes\.context: got "nope"; allowed: a context of .*teacher-kubeconfig\.yaml with a cluster \(class, other\)/);
        });

        it("is refused on kind, naming the platform it is for", async () => {
            await assert.rejects(
                runProgram(toPulumiConfig({ "rollout-lab:candidate": { version: "v2" }, "rollout-lab:kubernetes": { studentAccess: true } })),
                /rollout-lab:kubernetes\.studentAccess: got true; allowed: false on kind \(a student's own credentials are for a lab on a shared cluster: platform kubernetes\)/,
            );
        });
    });
});
