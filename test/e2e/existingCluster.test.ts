import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { kindClusterConfig, kindEnvironment } from "../../components/platform";
import { appSourceDir } from "../../components/app/appImages";
import { LabStack, openLabStack } from "../../tools/lib/workspace";
import { Probe } from "../../tools/probe/probe";
import { baseImage, clusterName } from "./kindCluster";
import { docker, labCheck, log, seconds, statuses, up } from "./support";

// Labs on a cluster the lab did not create (`platform: kubernetes`), as a teacher's class would run on a
// managed cluster: the test makes a kind cluster itself (kind's own command, with the config the lab's
// kind stacks would use) and loads the app's images into it, then brings up one lab, checks that nothing
// outside its namespace was created, brings up two more beside it (other namespaces, other NodePorts,
// other strategies at other steps), checks each with `lab check`, destroys the first while the other two
// answer 100 requests/s each, and destroys the rest; lab-b's student credentials (kubernetes.studentAccess)
// must reach lab-b and be refused elsewhere. Measured: up and destroy times with one and three
// labs, the nodes' memory per extra lab, failed requests while a neighbour is destroyed.
//
// Needs what test/e2e/kind.test.ts needs (E2E_KIND_NODE_IMAGE, E2E_KIND_POD_NETWORK, E2E_KIND_PRIVILEGED on
// a machine with no registry). The cluster is named <E2E_KIND_CLUSTER or rollout-lab>-existing.

const existing = `${clusterName}-existing`;
const privileged = process.env.E2E_KIND_PRIVILEGED !== "false";
const kindEnv = { ...process.env, ...kindEnvironment({ privileged }) };
const images = ["rollout-lab/demo-app:v1", "rollout-lab/demo-app:v2"];

interface Lab {
    stack: string;
    namespace: string;
    nodePort: number;
    hostPort: number;
    /** The step the lab is at, by path. */
    config: Record<string, string>;
}

const labs: Lab[] = [
    { stack: "kind-canary", namespace: "lab-a", nodePort: 30081, hostPort: 18081, config: { "rollout-lab:canary.weight": "25", "rollout-lab:canary.totalReplicas": "4" } },
    {
        stack: "kind-bluegreen",
        namespace: "lab-b",
        nodePort: 30082,
        hostPort: 18082,
        config: {
            "rollout-lab:bluegreen.activeColor": "green",
            "rollout-lab:stable.replicas": "2",
            "rollout-lab:candidate.replicas": "2",
            // The student of lab-b gets credentials of their own (the stack's studentKubeconfig).
            "rollout-lab:kubernetes.studentAccess": "true",
        },
    },
    {
        stack: "kind-rolling",
        namespace: "lab-c",
        nodePort: 30083,
        hostPort: 18083,
        config: { "rollout-lab:release": "candidate", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" },
    },
];

const entryOf = (lab: Lab) => `http://127.0.0.1:${lab.hostPort}/`;

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

describe("labs on an existing cluster (platform kubernetes, a kind cluster the test makes)", function () {
    this.timeout(40 * 60 * 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-existing-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    const results: Record<string, unknown> = {};
    const open: { lab: Lab; stack: LabStack }[] = [];

    before(() => {
        assert.deepEqual(nodes(), [], `start from an engine with no ${existing} cluster`);
        // The app's images as a registry would hold them: built from app/ where the engine lacks them.
        for (const image of images) {
            if (docker("images", "-q", image) === "") {
                log(`building ${image}`);
                docker("build", "--quiet", "-t", image, "--build-arg", `BASE_IMAGE=${baseImage}`, appSourceDir);
            }
        }
        const config = kindClusterConfig({
            clusterName: existing,
            workers: 1,
            hostPort: labs[0].hostPort,
            entryNodePort: labs[0].nodePort,
            extraPorts: labs.slice(1).map((l) => ({ nodePort: l.nodePort, hostPort: l.hostPort, listenAddress: "127.0.0.1" })),
            ...(process.env.E2E_KIND_NODE_IMAGE ? { nodeImage: process.env.E2E_KIND_NODE_IMAGE } : {}),
            privileged,
            podNetwork: process.env.E2E_KIND_POD_NETWORK === "bridge" ? "bridge" : "kindnetd",
            allowCgroupV1: true,
        });
        const t0 = Date.now();
        execFileSync("kind", ["create", "cluster", "--name", existing, "--config", "-", "--wait", "300s"], { input: YAML.stringify(config), env: kindEnv, stdio: ["pipe", "ignore", "inherit"] });
        fs.writeFileSync(kubeconfig, execFileSync("kind", ["get", "kubeconfig", "--name", existing], { encoding: "utf8", env: kindEnv }), { mode: 0o600 });
        execFileSync("kind", ["load", "docker-image", "--name", existing, ...images], { env: kindEnv, stdio: ["ignore", "ignore", "inherit"] });
        log(`cluster ${existing} made and loaded outside the lab in ${seconds(t0)} s`);
        results.clusterMemoryMiB = { empty: clusterMemoryMiB() };
    });

    after(async () => {
        for (const { stack } of open.splice(0)) {
            await stack.stack.destroy({ color: "never" }).catch((e) => log(`destroy after a failure: ${(e as Error).message}`));
            stack.remove();
        }
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

    async function bringUp(lab: Lab): Promise<LabStack> {
        const stack = await openLabStack({
            stack: lab.stack,
            config: {
                "rollout-lab:platform": "kubernetes",
                "rollout-lab:namespace": lab.namespace,
                "rollout-lab:kubernetes.kubeconfig": kubeconfig,
                "rollout-lab:kubernetes.nodePort": String(lab.nodePort),
                "rollout-lab:kubernetes.entryUrl": entryOf(lab).replace(/\/$/, ""),
                "rollout-lab:app.build": "false",
                "rollout-lab:monitoring.enabled": "false",
                ...lab.config,
            },
        });
        open.push({ lab, stack });
        return stack;
    }

    async function destroy(lab: Lab): Promise<number> {
        const i = open.findIndex((o) => o.lab === lab);
        const [{ stack }] = open.splice(i, 1);
        const t0 = Date.now();
        const r = await stack.stack.destroy({ color: "never" });
        assert.equal(r.summary.result, "succeeded");
        stack.remove();
        return seconds(t0);
    }

    it("one lab: up, every check passes, and nothing is created outside its namespace", async () => {
        const stack = await bringUp(labs[0]);
        const r = await up(stack, "lab-a: canary at 25 on 4 pods");
        results.oneLab = { upS: r.seconds };
        const report = await labCheck(stack, labs[0].stack);
        assert.equal(report.ok, true, JSON.stringify(statuses(report)));
        // Cluster-scoped objects and objects in other namespaces that carry the lab's label: the lab's namespace only.
        const clusterScoped = kubectl(kubeconfig, "get", "namespaces,clusterroles,clusterrolebindings,customresourcedefinitions", "-l", "app.kubernetes.io/part-of=rollout-lab", "-o", "name");
        assert.deepEqual(clusterScoped.split("\n").filter(Boolean), ["namespace/lab-a"]);
        const elsewhere = kubectl(kubeconfig, "get", "deployments,services,configmaps,serviceaccounts", "-A", "-l", "app.kubernetes.io/part-of=rollout-lab", "-o", "jsonpath={range .items[*]}{.metadata.namespace}{\"\\n\"}{end}");
        assert.deepEqual([...new Set(elsewhere.split("\n").filter(Boolean))], ["lab-a"]);
        (results.clusterMemoryMiB as Record<string, number>).oneLab = clusterMemoryMiB();
    });

    it("three labs side by side at different steps, each checked; one destroyed while the others answer 100 requests/s each with none failed", async () => {
        const ups: Record<string, number> = {};
        for (const lab of labs.slice(1)) {
            ups[lab.namespace] = (await up(await bringUp(lab), `${lab.namespace}: ${lab.stack}`)).seconds;
        }
        for (const { lab, stack } of open) {
            const report = await labCheck(stack, lab.stack);
            assert.equal(report.ok, true, `${lab.namespace}: ${JSON.stringify(statuses(report))}`);
        }
        // lab-b's student reaches lab-b and nothing else.
        const student = path.join(dir, "student-kubeconfig");
        const outputs = await open.find((o) => o.lab.namespace === "lab-b")!.stack.stack.outputs();
        fs.writeFileSync(student, String(outputs.studentKubeconfig.value), { mode: 0o600 });
        assert.equal(outputs.studentKubeconfig.secret, true, "the student's kubeconfig is a secret output");
        const asStudent = (...args: string[]) => {
            try {
                return { ok: true, out: kubectl(student, ...args) };
            } catch (e) {
                return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
            }
        };
        const own = asStudent("get", "deployments", "-o", "name");
        assert.ok(own.ok && own.out.includes("deployment.apps/demo-green"), `the student lists lab-b's Deployments: ${own.out}`);
        assert.ok(asStudent("scale", "deployment/demo-blue", "--replicas", "2").ok, "the student may change lab-b (edit)");
        for (const args of [["get", "pods", "-n", "lab-c"], ["get", "pods", "-n", "lab-a"], ["get", "nodes"], ["get", "namespaces"], ["delete", "namespace", "lab-c"]]) {
            const r = asStudent(...args);
            assert.ok(!r.ok && /forbidden/i.test(r.out), `the student is refused: kubectl ${args.join(" ")}: ${r.out}`);
        }
        results.studentAccess = { ownNamespace: "allowed", refused: ["pods in lab-c", "pods in lab-a", "nodes", "namespaces", "delete namespace lab-c"] };
        const memory = results.clusterMemoryMiB as Record<string, number>;
        memory.threeLabs = clusterMemoryMiB();
        memory.perExtraLab = Math.round((memory.threeLabs - memory.oneLab) / 2);
        log(`nodes' memory (MiB): ${JSON.stringify(memory)}`);

        const probes = labs.slice(1).map((lab) => new Probe({ url: entryOf(lab), ratePerSecond: 100, durationS: 300, timeoutMs: 2000, maxInFlight: 200 }));
        const running = probes.map((p) => p.run());
        await new Promise((r) => setTimeout(r, 3000));
        const destroyS = await destroy(labs[0]);
        await new Promise((r) => setTimeout(r, 3000));
        probes.forEach((p) => p.stop());
        const summaries = await Promise.all(running);
        summaries.forEach((s, i) => log(`${labs[i + 1].namespace} while lab-a was destroyed: ${s.requests} requests, ${s.failed} failed ${JSON.stringify(s.failures)}, versions ${JSON.stringify(Object.keys(s.versions))}`));
        assert.deepEqual(kubectl(kubeconfig, "get", "namespaces", "-l", "app.kubernetes.io/part-of=rollout-lab", "-o", "name").split("\n").filter(Boolean).sort(), ["namespace/lab-b", "namespace/lab-c"]);
        for (const [i, s] of summaries.entries()) {
            assert.equal(s.failed, 0, `${labs[i + 1].namespace}: ${JSON.stringify(s.failures)}`);
            assert.ok(s.requests >= 500, `${labs[i + 1].namespace}: the probe ran through the destroy (${s.requests} requests)`);
            assert.deepEqual(Object.keys(s.versions), ["v2"], `${labs[i + 1].namespace} serves its step's version only`);
        }
        const rest: Record<string, number> = {};
        for (const lab of labs.slice(1)) {
            rest[lab.namespace] = await destroy(lab);
        }
        results.threeLabs = {
            upS: { "lab-a": (results.oneLab as { upS: number }).upS, ...ups },
            destroyS: { "lab-a (neighbours under load)": destroyS, ...rest },
            neighboursWhileDestroying: summaries.map((s, i) => ({ lab: labs[i + 1].namespace, requests: s.requests, failed: s.failed })),
        };
        assert.equal(kubectl(kubeconfig, "get", "namespaces", "-l", "app.kubernetes.io/part-of=rollout-lab", "-o", "name"), "", "every lab's namespace is gone");
    });
});
