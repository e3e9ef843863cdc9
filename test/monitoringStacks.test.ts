import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ProgramRun, findResource, findResources, runProgram, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import { KIND_CLUSTER, isSecret } from "./support/expectations";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const DAEMONSET = "kubernetes:apps/v1:DaemonSet";

describe("monitoring in a Kubernetes stack (on by default)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ ...stackConfig("kind-canary"), ...toPulumiConfig({ "rollout-lab:monitoring": { retention: "6h", scrapeInterval: "10s" } }) });
    });

    it("runs node-exporter and cAdvisor on every node", () => {
        const daemonSets = findResources(run, DAEMONSET).map((d) => d.inputs.metadata.name).sort();
        assert.deepEqual(daemonSets, ["cadvisor", "node-exporter"]);
        for (const d of findResources(run, DAEMONSET)) {
            assert.deepEqual(d.inputs.spec.template.spec.tolerations, [{ operator: "Exists", effect: "NoSchedule" }], "control plane too");
        }
    });

    it("configures Prometheus from the stack: discovery of the app's pods, retention, scrape interval, the candidate's alerts", () => {
        const files = findResource(run, CONFIGMAP, "lab-monitoring-prometheus-config").inputs.data;
        const prom = YAML.parse(files["prometheus.yml"]);
        assert.equal(prom.global.scrape_interval, "10s");
        const app = prom.scrape_configs.find((j: any) => j.job_name === "demo-app");
        assert.deepEqual(app.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["rollout-lab"] } }]);
        const rules = YAML.parse(files["rollout-lab.rules.yml"]);
        const alerts = rules.groups[0].rules.map((r: any) => [r.alert, r.labels.version]);
        assert.deepEqual(alerts, [["CandidateErrorRatioHigh", "v2"], ["CandidateLatencyHigh", "v2"]]);
        assert.match(rules.groups[0].rules[0].expr, /\) > 0\.05$/);
        const args = findResource(run, "kubernetes:apps/v1:Deployment", "lab-monitoring-prometheus-deployment").inputs.spec.template.spec.containers[0].args;
        assert.ok(args.includes("--storage.tsdb.retention.time=6h"), args.join(" "));
    });

    it("provisions Grafana's datasource and the three dashboards, with a generated admin password kept secret", () => {
        const dashboards = findResource(run, CONFIGMAP, "lab-monitoring-grafana-dashboards").inputs.data;
        assert.deepEqual(Object.keys(dashboards).sort(), ["rollout-lab-containers.json", "rollout-lab-nodes.json", "rollout-lab-overview.json"]);
        const overview = JSON.parse(dashboards["rollout-lab-overview.json"]);
        assert.ok(overview.panels.length >= 6);
        const datasources = YAML.parse(findResource(run, CONFIGMAP, "lab-monitoring-grafana-provisioning").inputs.data["datasources.yml"]);
        assert.equal(datasources.datasources[0].url, "http://prometheus:9090");
        const secret = findResource(run, "kubernetes:core/v1:Secret", "lab-monitoring-grafana-admin");
        // The password makes the whole stringData secret on its way to Kubernetes (and in the state).
        assert.ok(isSecret(secret.inputs.stringData), "the password reaches Kubernetes as a Pulumi secret");
        assert.equal(secret.inputs.stringData.value.password.length, 24);
        assert.equal(findResource(run, "random:index/randomPassword:RandomPassword", "lab-monitoring-grafana-password").inputs.length, 24);
        assert.equal(run.outputs.grafanaUrl, "http://127.0.0.1:3000");
        assert.equal(run.outputs.prometheusUrl, "http://127.0.0.1:9090");
    });

    it("maps Grafana and Prometheus to 127.0.0.1 through kind", () => {
        const kindConfig = YAML.parse(findResource(run, KIND_CLUSTER, "lab-kind-cluster").inputs.config);
        assert.deepEqual(kindConfig.nodes[0].extraPortMappings.slice(1), [
            { containerPort: 30300, hostPort: 3000, listenAddress: "127.0.0.1", protocol: "TCP" },
            { containerPort: 30090, hostPort: 9090, listenAddress: "127.0.0.1", protocol: "TCP" },
        ]);
    });

    it("monitoring: false leaves it all out", async () => {
        const off = await runProgram({ ...stackConfig("kind-canary"), "rollout-lab:monitoring": "false" });
        assert.deepEqual(findResources(off, DAEMONSET), []);
        assert.equal(off.outputs.grafanaUrl, undefined);
        assert.equal(off.resources.filter((r) => r.name.startsWith("lab-monitoring")).length, 0);
    });
});

describe("monitoring.grafana: false (where no Grafana image can be had): Prometheus and the exporters without Grafana", () => {
    const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
    const monitoringResources = (run: ProgramRun) =>
        run.resources
            .filter((r) => r.name.startsWith("lab-monitoring"))
            .map((r) => `${r.type} ${r.name}`)
            .sort();

    it("swarm-canary (grafana: \"false\", a string): no Grafana container, no password, no Grafana outputs", async () => {
        const run = await runProgram({ ...stackConfig("swarm-canary"), ...toPulumiConfig({ "rollout-lab:monitoring": { grafana: "false" } }) });
        assert.deepEqual(monitoringResources(run), [
            "docker:index/container:Container lab-monitoring-prometheus",
            "docker:index/network:Network lab-monitoring-net",
            "docker:index/service:Service lab-monitoring-cadvisor",
            "docker:index/service:Service lab-monitoring-node-exporter",
            "docker:index/volume:Volume lab-monitoring-prometheus-data",
            "rollout-lab:monitoring:SwarmMonitoring lab-monitoring",
        ]);
        assert.deepEqual(run.resources.filter((r) => /grafana/i.test(r.name)), []);
        assert.deepEqual(findResources(run, RANDOM_PASSWORD), []);
        const prometheus = findResource(run, "docker:index/container:Container", "lab-monitoring-prometheus");
        assert.deepEqual(prometheus.inputs.ports, [{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
        assert.deepEqual(
            prometheus.inputs.uploads.map((u: { file: string }) => u.file),
            ["/etc/prometheus/prometheus.yml", "/etc/prometheus/rules/rollout-lab.rules.yml"],
        );
        assert.deepEqual(Object.keys(run.outputs).sort(), ["entryUrl", "namespace", "prometheusUrl", "routing"]);
        assert.equal(run.outputs.prometheusUrl, "http://127.0.0.1:9090");
    });

    it("kind-canary (grafana: false, a boolean): no Grafana Deployment, Service, ConfigMaps or Secret, no password, no Grafana outputs", async () => {
        const run = await runProgram({ ...stackConfig("kind-canary"), ...toPulumiConfig({ "rollout-lab:monitoring": { grafana: false } }) });
        assert.deepEqual(monitoringResources(run), [
            "kubernetes:apps/v1:DaemonSet lab-monitoring-cadvisor",
            "kubernetes:apps/v1:DaemonSet lab-monitoring-node-exporter",
            "kubernetes:apps/v1:Deployment lab-monitoring-prometheus-deployment",
            "kubernetes:core/v1:ConfigMap lab-monitoring-prometheus-config",
            "kubernetes:core/v1:Namespace lab-monitoring-ns",
            "kubernetes:core/v1:Service lab-monitoring-prometheus-svc",
            "kubernetes:core/v1:ServiceAccount lab-monitoring-prometheus-sa",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole lab-monitoring-prometheus-role",
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding lab-monitoring-prometheus-binding",
            "rollout-lab:monitoring:KubernetesMonitoring lab-monitoring",
        ]);
        assert.deepEqual(run.resources.filter((r) => /grafana/i.test(r.name)), []);
        assert.deepEqual(findResources(run, RANDOM_PASSWORD), []);
        const rules = YAML.parse(findResource(run, CONFIGMAP, "lab-monitoring-prometheus-config").inputs.data["rollout-lab.rules.yml"]);
        assert.deepEqual(rules.groups[0].rules.map((r: any) => r.alert), ["CandidateErrorRatioHigh", "CandidateLatencyHigh"]);
        assert.deepEqual(Object.keys(run.outputs).sort(), ["entryUrl", "kubeconfig", "namespace", "prometheusUrl", "routing"]);
        assert.equal(run.outputs.prometheusUrl, "http://127.0.0.1:9090");
    });
    it("kind-canary-istio with grafana off: Kiali gets no Grafana links (grafana with Grafana on is linked)", async () => {
        const kiali = (run: ProgramRun) => findResources(run, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kiali-server")!;
        const off = await runProgram({ ...stackConfig("kind-canary-istio"), ...toPulumiConfig({ "rollout-lab:monitoring": { grafana: false } }) });
        assert.deepEqual(kiali(off).inputs.values.external_services.grafana, { enabled: false });
        const on = await runProgram(stackConfig("kind-canary-istio"));
        assert.deepEqual(kiali(on).inputs.values.external_services.grafana, {
            enabled: true,
            internal_url: "http://grafana.rollout-lab-monitoring:3000",
            external_url: "http://127.0.0.1:3000",
        });
    });
});

describe("cAdvisor on Swarm", () => {
    it("exports the tasks' VERSION variable (container_env_version), which the cAdvisor queries read the version from", async () => {
        const run = await runProgram(stackConfig("swarm-canary"));
        const cadvisor = findResource(run, "docker:index/service:Service", "lab-monitoring-cadvisor");
        assert.deepEqual(cadvisor.inputs.taskSpec.containerSpec.args, [
            "--housekeeping_interval=5s",
            "--docker_only=true",
            "--store_container_labels=true",
            "--env_metadata_whitelist=VERSION",
        ]);
    });
});
