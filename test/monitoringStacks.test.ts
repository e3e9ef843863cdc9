import { strict as assert } from "assert";
import * as YAML from "yaml";
import { ProgramRun, findResource, findResources, runProgram, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import { COMMAND, isSecret } from "./support/expectations";

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
        const kindConfig = YAML.parse(findResource(run, COMMAND, "lab-kind-cluster").inputs.stdin);
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
