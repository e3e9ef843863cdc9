import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { kindClusterConfig, kindEnvironment } from "../../components/platform";
import { appSourceDir } from "../../components/app/appImages";
import { classCheck, classCheckLines, classDown, classUp } from "../../tools/lab/class/command";
import { Probe } from "../../tools/probe/probe";
import { clusterKubectl, preflightProblems } from "../../tools/lib/preflight";
import { loadStackConfig } from "../../tools/lib/stackFile";
import { baseImage, clusterName } from "./kindCluster";
import { docker, log, monitoringImagesFromEnv, seconds, stackConfigFromEnv } from "./support";

// A class on a cluster the lab did not create (`lab class`, `platform: kubernetes`), as a teacher's would
// run on a managed cluster: the test makes a kind cluster itself (kind's own command, with the config the
// lab's kind stacks would use) and loads the app's images into it, then brings up the class's shared part
// (one node-exporter and cAdvisor, the Gateway API's CRDs and one Traefik) and one student's lab, checks
// that nothing outside its namespaces was created, brings up three more beside it (other namespaces, other
// NodePorts, other strategies at other steps, two of them routing through the class's Traefik), checks each
// with `lab class check`, checks that each lab's Prometheus reads the shared exporters and sees only its own
// namespaces' containers, checks that bob's credentials (kubernetes.studentAccess) reach his lab and are
// refused elsewhere, destroys the first lab while the others answer 100 requests/s each, and destroys the
// rest. Measured: up and destroy times with one and four labs, the nodes' memory per extra lab, failed
// requests while a neighbour is destroyed.
//
// Needs what test/e2e/kind.test.ts needs (E2E_KIND_NODE_IMAGE, E2E_KIND_POD_NETWORK, E2E_KIND_PRIVILEGED on
// a machine with no registry), the monitoring images (E2E_MONITORING_IMAGES="$(scripts/monitoring-images.sh
// --kubernetes)") and Traefik's (E2E_TRAEFIK="$(scripts/traefik-image.sh)"). The cluster is named <E2E_KIND_CLUSTER or rollout-lab>-existing.

const existing = `${clusterName}-existing`;
const privileged = process.env.E2E_KIND_PRIVILEGED !== "false";
const kindEnv = { ...process.env, ...kindEnvironment({ privileged }) };
const appImages = ["rollout-lab/demo-app:v1", "rollout-lab/demo-app:v2"];
const monitoringImages = monitoringImagesFromEnv();
const traefik = stackConfigFromEnv("E2E_TRAEFIK");
const sharedNs = "e2e-shared";

interface Lab {
    student: string;
    stack: string;
    nodePort: number;
    /** The step the lab is at, by path. */
    config: Record<string, string>;
}

// The class: four students on one cluster, each a different strategy or router at a different step; bob
// and dave route through the class's one Traefik.
const labs: Lab[] = [
    { student: "alice", stack: "kind-canary", nodePort: 30081, config: { "rollout-lab:canary.weight": "25", "rollout-lab:canary.totalReplicas": "4" } },
    { student: "bob", stack: "kind-bluegreen-traefik", nodePort: 30082, config: { "rollout-lab:bluegreen.activeColor": "green", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" } },
    { student: "carol", stack: "kind-rolling", nodePort: 30083, config: { "rollout-lab:release": "candidate", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" } },
    { student: "dave", stack: "kind-canary-traefik", nodePort: 30084, config: { "rollout-lab:canary.weight": "30", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "1" } },
];
/** The versions a lab's answers may come from at its step. */
const versionsAt: Record<string, string[]> = { bob: ["v2"], carol: ["v2"], dave: ["v1", "v2"] };

// The test's cluster maps each lab's NodePort to the same port on 127.0.0.1.
const entryOf = (lab: Lab) => `http://127.0.0.1:${lab.nodePort}/`;

function kubectl(kubeconfig: string, ...args: string[]): string {
    return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8" }).trim();
}

/** Memory of the existing cluster's node containers, MiB, summed. */
function clusterMemoryMiB(): number {
    const lines = docker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}").split("\n");
    let total = 0;
    for (const line of lines.filter((l) => l.startsWith(`${existing}-`))) {
        const m = /^([\d.]+)([KMG]i?B)$/.exec(line.split(" ")[1]);
        if (m) {
            total += Number(m[1]) * ({ KiB: 1 / 1024, KB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 }[m[2]] ?? 1);
        }
    }
    return Math.round(total);
}

const nodes = (): string[] => docker("ps", "-a", "--filter", `label=io.x-k8s.kind.cluster=${existing}`, "--format", "{{.Names}}").split("\n").filter(Boolean);

describe("a class on an existing cluster (lab class, platform kubernetes, a kind cluster the test makes)", function () {
    this.timeout(40 * 60 * 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-existing-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    const classFile = path.join(dir, "class.yaml");
    // The labs' state in the test's folder, not the project's .pulumi.
    const stateRoot = path.join(dir, "state");
    const quiet = { stateRoot, log };
    const results: Record<string, unknown> = {};

    before(() => {
        assert.deepEqual(nodes(), [], `start from an engine with no ${existing} cluster`);
        assert.ok(monitoringImages["rollout-lab:monitoring.images.prometheus"], 'E2E_MONITORING_IMAGES names the monitoring images: E2E_MONITORING_IMAGES="$(scripts/monitoring-images.sh --kubernetes)"');
        assert.ok(traefik["rollout-lab:traefik.image"], 'E2E_TRAEFIK names the Traefik image and the CRDs: E2E_TRAEFIK="$(scripts/traefik-image.sh)"');
        // The app's images as a registry would hold them: built from app/ where the engine lacks them.
        for (const image of appImages) {
            if (docker("images", "-q", image) === "") {
                log(`building ${image}`);
                docker("build", "--quiet", "-t", image, "--build-arg", `BASE_IMAGE=${baseImage}`, appSourceDir);
            }
        }
        const config = kindClusterConfig({
            clusterName: existing,
            workers: 1,
            hostPort: labs[0].nodePort,
            entryNodePort: labs[0].nodePort,
            extraPorts: labs.slice(1).map((l) => ({ nodePort: l.nodePort, hostPort: l.nodePort, listenAddress: "127.0.0.1" })),
            ...(process.env.E2E_KIND_NODE_IMAGE ? { nodeImage: process.env.E2E_KIND_NODE_IMAGE } : {}),
            privileged,
            podNetwork: process.env.E2E_KIND_POD_NETWORK === "bridge" ? "bridge" : "kindnetd",
            allowCgroupV1: true,
        });
        const t0 = Date.now();
        execFileSync("kind", ["create", "cluster", "--name", existing, "--config", "-", "--wait", "300s"], { input: YAML.stringify(config), env: kindEnv, stdio: ["pipe", "ignore", "inherit"] });
        fs.writeFileSync(kubeconfig, execFileSync("kind", ["get", "kubeconfig", "--name", existing], { encoding: "utf8", env: kindEnv }), { mode: 0o600 });
        const images = [...appImages, ...Object.entries(monitoringImages).filter(([k]) => k !== "rollout-lab:monitoring.images.grafana").map(([, v]) => v), traefik["rollout-lab:traefik.image"]];
        execFileSync("kind", ["load", "docker-image", "--name", existing, ...images], { env: kindEnv, stdio: ["ignore", "ignore", "inherit"] });
        log(`cluster ${existing} made and loaded outside the lab in ${seconds(t0)} s`);
        results.clusterMemoryMiB = { empty: clusterMemoryMiB() };
        fs.writeFileSync(
            classFile,
            YAML.stringify({
                name: "e2e",
                cluster: { kubeconfig },
                stack: "kind-canary",
                entryHost: "127.0.0.1",
                firstNodePort: labs[0].nodePort,
                // Monitoring on, over the class's one node-exporter and cAdvisor (no Grafana here); the
                // Traefik labs through the class's one Traefik.
                shared: { exporters: true, traefik: true },
                config: {
                    "rollout-lab:app.build": false,
                    "rollout-lab:monitoring.enabled": true,
                    "rollout-lab:monitoring.grafana": false,
                    ...monitoringImages,
                    "rollout-lab:traefik.image": traefik["rollout-lab:traefik.image"],
                    "rollout-lab:gatewayApi.crds": traefik["rollout-lab:gatewayApi.crds"],
                },
                students: labs.map((l) => ({ name: l.student, stack: l.stack, config: l.config })),
            }),
        );
    });

    after(async () => {
        await classDown(classFile, quiet).catch((e) => log(`class down after a failure: ${(e as Error).message}`));
        if (nodes().length > 0) {
            execFileSync("kind", ["delete", "cluster", "--name", existing], { env: kindEnv, stdio: "ignore" });
        }
        fs.rmSync(dir, { recursive: true, force: true });
        if (process.env.E2E_RESULTS) {
            const file = process.env.E2E_RESULTS.replace(/(\.json)?$/, ".existing.json");
            fs.writeFileSync(file, JSON.stringify(results, null, 2));
        }
        assert.deepEqual(nodes(), [], "the test's cluster is deleted");
    });

    const labeled = (kinds: string, extra: string[] = []) => kubectl(kubeconfig, "get", kinds, "-l", "app.kubernetes.io/part-of=rollout-lab", ...extra, "-o", "name").split("\n").filter(Boolean);

    /** Asks a lab's Prometheus through the API server (the host reaches 127.0.0.1 only). */
    const promQuery = (student: string, query: string): { metric: Record<string, string>; value: [number, string] }[] => {
        const raw = kubectl(kubeconfig, "get", "--raw", `/api/v1/namespaces/lab-${student}-monitoring/services/http:prometheus:9090/proxy/api/v1/query?query=${encodeURIComponent(query)}`);
        return (JSON.parse(raw) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };

    /**
     * A lab's Prometheus scrapes the class's exporters (one node-exporter per node, up) and, from cAdvisor,
     * only its own namespaces' containers: the namespaces it has container series for, once both show.
     */
    async function scrapedNamespaces(student: string): Promise<{ nodes: number; containerNamespaces: string[] }> {
        const nodeCount = kubectl(kubeconfig, "get", "nodes", "-o", "name").split("\n").filter(Boolean).length;
        const deadline = Date.now() + 120_000;
        let last = "";
        for (;;) {
            try {
                const up = promQuery(student, 'up{job="node-exporter"} == 1');
                const namespaces = promQuery(student, 'count by (container_label_io_kubernetes_pod_namespace) (container_memory_working_set_bytes{job="cadvisor"})').map((r) => r.metric.container_label_io_kubernetes_pod_namespace ?? "");
                last = `node-exporters up ${up.length}/${nodeCount}, container namespaces ${JSON.stringify(namespaces)}`;
                if (up.length === nodeCount && namespaces.includes(`lab-${student}`)) {
                    log(`${student}'s Prometheus: ${last}`);
                    assert.deepEqual(namespaces.filter((n) => n !== "").sort(), [`lab-${student}`, `lab-${student}-monitoring`], `${student}'s Prometheus keeps its own lab's containers only`);
                    return { nodes: up.length, containerNamespaces: namespaces.filter((n) => n !== "").sort() };
                }
            } catch (e) {
                last = (e as Error).message.split("\n")[0];
            }
            assert.ok(Date.now() < deadline, `${student}'s Prometheus never showed the shared exporters' figures in 120 s: ${last}`);
            await new Promise((r) => setTimeout(r, 3000));
        }
    }

    it("one lab: lab class up --only alice, its check passes, nothing is created outside its namespaces and the class's shared one; a lab in alice's way is refused up front", async () => {
        const [up] = await classUp(classFile, { ...quiet, only: ["alice"] });
        results.oneLab = { upS: up.seconds };
        const [check] = await classCheck(classFile, { ...quiet, only: ["alice"] });
        classCheckLines([check]).forEach((l) => log(l));
        assert.equal(check.ok, true);
        // Cluster-scoped objects that carry the lab's label: the lab's namespaces; the class's shared namespace
        // and the cluster-wide parts of its Traefik (its role, its GatewayClass). Nothing cluster-wide of
        // alice's own: her Prometheus reads pods through roles.
        assert.deepEqual(labeled("namespaces,clusterroles,clusterrolebindings,gatewayclasses").sort(), [
            "clusterrole.rbac.authorization.k8s.io/rollout-lab-traefik",
            "clusterrolebinding.rbac.authorization.k8s.io/rollout-lab-traefik",
            "gatewayclass.gateway.networking.k8s.io/traefik",
            `namespace/${sharedNs}`,
            "namespace/lab-alice",
            "namespace/lab-alice-monitoring",
        ]);
        const all = kubectl(kubeconfig, "get", "deployments,daemonsets,services,serviceaccounts,roles,rolebindings", "-A", "-l", "app.kubernetes.io/part-of=rollout-lab", "-o", "jsonpath={range .items[*]}{.metadata.namespace} {.kind}/{.metadata.name}{\"\\n\"}{end}").split("\n").filter(Boolean);
        assert.deepEqual([...new Set(all.map((l) => l.split(" ")[0]))].sort(), [sharedNs, "lab-alice", "lab-alice-monitoring"]);
        // In the shared namespace: the class's two exporters and its Traefik, and the role alice's Prometheus
        // reads the exporters' pods with.
        assert.deepEqual(all.filter((l) => l.startsWith(`${sharedNs} `)).sort(), [
            `${sharedNs} DaemonSet/cadvisor`,
            `${sharedNs} DaemonSet/node-exporter`,
            `${sharedNs} Deployment/traefik`,
            `${sharedNs} Role/lab-alice-monitoring-prometheus`,
            `${sharedNs} RoleBinding/lab-alice-monitoring-prometheus`,
            `${sharedNs} Service/traefik`,
            `${sharedNs} ServiceAccount/traefik`,
        ]);
        results.scrapes = { alice: await scrapedNamespaces("alice") };
        (results.clusterMemoryMiB as Record<string, number>).oneLab = clusterMemoryMiB();

        // Before anything is made, the cluster is asked what stands in a new lab's way: alice's NodePort,
        // a namespace someone else made.
        kubectl(kubeconfig, "create", "namespace", "lab-erin");
        const erin = loadStackConfig("kind-canary", undefined, {
            "rollout-lab:platform": "kubernetes",
            "rollout-lab:namespace": "lab-erin",
            "rollout-lab:kubernetes.kubeconfig": kubeconfig,
            "rollout-lab:kubernetes.nodePort": String(labs[0].nodePort),
        });
        const problems = await preflightProblems(erin, clusterKubectl(erin));
        kubectl(kubeconfig, "delete", "namespace", "lab-erin", "--wait=false");
        assert.deepEqual(problems.map((p) => p.key), ["namespace", "kubernetes.nodePort"]);
        // 30082 is bob's already: his entry point on the class's Traefik, published before his lab is up.
        assert.match(problems[1].allowed, /Service lab-alice\/demo-app has 30081; 30083 is free/);
        results.preflight = problems.map((p) => `rollout-lab:${p.key}: got ${p.given}; allowed: ${p.allowed}`);
    });

    it("four labs side by side at different steps, two through the class's one Traefik, one line each from lab class check, each Prometheus on the shared exporters seeing its own lab only; a student's credentials reach only their lab; one lab destroyed while the others answer 100 requests/s each with none failed", async () => {
        const ups = await classUp(classFile, quiet);
        const checks = await classCheck(classFile, quiet);
        classCheckLines(checks).forEach((l) => log(l));
        assert.deepEqual(checks.map((c) => [c.student, c.ok]), labs.map((l) => [l.student, true]));
        assert.equal(kubectl(kubeconfig, "get", "daemonsets", "-A", "-o", "name").split("\n").filter((l) => /cadvisor|node-exporter/.test(l)).length, 2, "one node-exporter and one cAdvisor for the class");
        for (const lab of labs.slice(1)) {
            (results.scrapes as Record<string, unknown>)[lab.student] = await scrapedNamespaces(lab.student);
        }

        // bob's credentials reach lab-bob and nothing else.
        const student = ups.find((u) => u.student === "bob")!.kubeconfigFile!;
        assert.equal(fs.statSync(student).mode & 0o777, 0o600, "the student's kubeconfig is readable by its owner only");
        const asStudent = (...args: string[]) => {
            try {
                return { ok: true, out: kubectl(student, ...args) };
            } catch (e) {
                return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
            }
        };
        const own = asStudent("get", "deployments", "-o", "name");
        assert.ok(own.ok && own.out.includes("deployment.apps/demo-green"), `the student lists lab-bob's Deployments: ${own.out}`);
        assert.ok(asStudent("scale", "deployment/demo-blue", "--replicas", "2").ok, "the student may change lab-bob (edit)");
        const refused = [["get", "pods", "-n", "lab-carol"], ["get", "pods", "-n", "lab-alice"], ["get", "nodes"], ["get", "namespaces"], ["delete", "namespace", "lab-carol"]];
        for (const args of refused) {
            const r = asStudent(...args);
            assert.ok(!r.ok && /forbidden/i.test(r.out), `the student is refused: kubectl ${args.join(" ")}: ${r.out}`);
        }
        results.studentAccess = { own: "get and scale in lab-bob", refused: refused.map((a) => a.join(" ")) };

        const memory = results.clusterMemoryMiB as Record<string, number>;
        memory.fourLabs = clusterMemoryMiB();
        memory.perExtraLab = Math.round((memory.fourLabs - memory.oneLab) / 3);
        log(`nodes' memory (MiB): ${JSON.stringify(memory)}`);

        const neighbours = labs.slice(1);
        const probes = neighbours.map((lab) => new Probe({ url: entryOf(lab), ratePerSecond: 100, durationS: 300, timeoutMs: 2000, maxInFlight: 200 }));
        const running = probes.map((p) => p.run());
        await new Promise((r) => setTimeout(r, 3000));
        const [aliceDown] = await classDown(classFile, { ...quiet, only: ["alice"] });
        await new Promise((r) => setTimeout(r, 3000));
        probes.forEach((p) => p.stop());
        const summaries = await Promise.all(running);
        summaries.forEach((s, i) => log(`${neighbours[i].student} while alice's lab was destroyed: ${s.requests} requests, ${s.failed} failed ${JSON.stringify(s.failures)}, versions ${JSON.stringify(Object.keys(s.versions))}`));
        assert.deepEqual(labeled("namespaces").sort(), [`namespace/${sharedNs}`, ...neighbours.flatMap((l) => [`namespace/lab-${l.student}`, `namespace/lab-${l.student}-monitoring`])]);
        for (const [i, s] of summaries.entries()) {
            assert.equal(s.failed, 0, `${neighbours[i].student}: ${JSON.stringify(s.failures)}`);
            assert.ok(s.requests >= 500, `${neighbours[i].student}: the probe ran through the destroy (${s.requests} requests)`);
            assert.deepEqual(Object.keys(s.versions).sort(), versionsAt[neighbours[i].student], `${neighbours[i].student}'s lab serves its step's versions only`);
        }
        const rest = await classDown(classFile, quiet);
        results.fourLabs = {
            upS: { alice: (results.oneLab as { upS: number }).upS, ...Object.fromEntries(ups.filter((u) => u.student !== "alice").map((u) => [u.student, u.seconds])), "alice again (no change)": ups[0].seconds },
            destroyS: { "alice (neighbours under load)": aliceDown.seconds, ...Object.fromEntries(rest.map((d) => [d.student, d.seconds])) },
            neighboursWhileDestroying: summaries.map((s, i) => ({ student: neighbours[i].student, requests: s.requests, failed: s.failed })),
        };
        log(`figures: ${JSON.stringify(results)}`);
        assert.deepEqual(labeled("namespaces"), [], "every lab's namespace and the class's shared one are gone");
    });
});
