import { strict as assert } from "assert";
import * as fs from "fs";
import { setPathConfig } from "../../tools/lib/workspace";
import { clusterName, leftovers, withKindStack } from "./kindCluster";
import { labCheck, up } from "./support";
import { Fault, assertServedAgain, deletePodUnderLoad, deletePodsUnderLoad, killPodsUnderLoad, kubectlOf, stopWorkerUnderLoad, traefikConfig } from "./faults";

// Faults under load on a real kind cluster (issue 32, items 1 to 3): while the probe sends 100 requests/s
// to 127.0.0.1, each on a new connection, a serving pod of each version is deleted in turn, and Traefik's
// own pod is deleted (one replica, then one of two); each fault written down with its requests, failed
// requests and error window. Then the protection is removed and the same fault is shown to lose requests: the
// app's preStop pause (app.shutdown.preStopSeconds 0), Traefik's (its Deployment patched by hand, as a student
// would). Last, a worker node's container is stopped: the failed requests and the time to serve again are
// measured (no setting of the lab's can see a node stop sooner than the node controller), and lab check's
// nodes line must name the node.
//
// Needs what test/e2e/kindTraefik.test.ts needs (E2E_KIND_*, E2E_TRAEFIK). E2E_RESULTS writes the figures
// to <name>.faults.json.

const results: Record<string, unknown>[] = [];

describe("faults under load on kind (a pod deleted, the router restarted, a worker stopped; issue 32)", function () {
    this.timeout(30 * 60 * 1000);

    before(() => {
        assert.deepEqual(leftovers(), [], `start from an engine with no ${clusterName} cluster`);
    });

    after(() => {
        if (process.env.E2E_RESULTS) {
            const file = process.env.E2E_RESULTS.replace(/(\.json)?$/, ".faults.json");
            fs.writeFileSync(file, JSON.stringify(results, null, 2));
        }
    });

    const bothVersions = [
        { selector: "app.kubernetes.io/version=v1", deployment: "demo-stable" },
        { selector: "app.kubernetes.io/version=v2", deployment: "demo-canary" },
    ];

    // kube-proxy balances connections: each request on a new connection reaches any of the 4 pods.
    const canary = { "rollout-lab:canary.weight": "50", "rollout-lab:canary.totalReplicas": "4" };

    it("native kind-canary 2+2: a v1 pod, then a v2 pod deleted at 100 requests/s loses none (preStop pause, grace period); without the pause the same deletion loses requests", async () => {
        await withKindStack(results, "faults kind-canary", "kind-canary", canary, async (lab, record) => {
            const kubectl = await kubectlOf(lab);
            const faults: Fault[] = [];
            for (const [version, deployment] of [["v1", "demo-stable"], ["v2", "demo-canary"]]) {
                faults.push(await deletePodUnderLoad(kubectl, "rollout-lab", `app.kubernetes.io/version=${version}`, deployment, `a ${version} pod deleted`));
            }
            faults.push(await deletePodsUnderLoad(kubectl, "rollout-lab", bothVersions, "a v1 and a v2 pod deleted"));
            // Killed outright (SIGKILL, as the OOM killer): no pause, nothing between kube-proxy and the pods to retry.
            const killed = await killPodsUnderLoad(kubectl, "rollout-lab", bothVersions.map((t) => t.selector), "a v1 and a v2 pod killed outright (no router to retry)");
            assert.ok(killed.requests >= 500, `the probe ran through the kill (${killed.requests})`);
            await setPathConfig(lab.stack, { "rollout-lab:app.shutdown.preStopSeconds": "0" });
            await up(lab, "the protection removed: app.shutdown.preStopSeconds 0");
            // A v1 and a v2 pod together: the window each leaves is short (kube-proxy drops a deleted pod within
            // tens of milliseconds here), two of them make the loss show in every run.
            const unprotected = await deletePodsUnderLoad(kubectl, "rollout-lab", bothVersions, "a v1 and a v2 pod deleted, no preStop pause");
            record.faults = [...faults, killed, unprotected];
            for (const f of faults) {
                assert.equal(f.failed, 0, `${f.fault}: ${JSON.stringify(f.failures)}`);
                assert.ok(f.requests >= 500, `${f.fault}: the probe ran through it (${f.requests})`);
            }
            assert.ok(unprotected.failed > 0, `without the preStop pause the deletion loses requests (${unprotected.requests} sent, none failed): the pause is what the 0 above rests on`);
        });
    });

    it("native kind-bluegreen on green, 2 pods a colour: a green (live) pod deleted at 100 requests/s loses none, all answers from v2", async () => {
        const config = { "rollout-lab:bluegreen.activeColor": "green", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" };
        await withKindStack(results, "faults kind-bluegreen", "kind-bluegreen", config, async (lab, record) => {
            const kubectl = await kubectlOf(lab);
            const f = await deletePodUnderLoad(kubectl, "rollout-lab", "rollout-lab/color=green", "demo-green", "a green (live) pod deleted");
            record.faults = [f];
            assert.equal(f.failed, 0, `${f.fault}: ${JSON.stringify(f.failures)}`);
            assert.deepEqual(Object.keys(f.versions), ["v2"], `every answer from the live colour: ${JSON.stringify(f.versions)}`);
            assert.ok(f.requests >= 500, `the probe ran through it (${f.requests})`);
        });
    });

    it("kind-canary-traefik 2+2: app pods deleted lose none; Traefik's own pod deleted loses none (its preStop pause: the terminating Traefik serves until its replacement is ready); without its pause it loses requests", async () => {
        const config = { ...traefikConfig(), "rollout-lab:canary.weight": "50", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" };
        await withKindStack(results, "faults kind-canary-traefik", "kind-canary-traefik", config, async (lab, record) => {
            const kubectl = await kubectlOf(lab);
            const faults: Fault[] = [];
            for (const [version, deployment] of [["v1", "demo-stable"], ["v2", "demo-canary"]]) {
                faults.push(await deletePodUnderLoad(kubectl, "rollout-lab", `app.kubernetes.io/version=${version}`, deployment, `a ${version} pod deleted (Traefik)`));
            }
            faults.push(await deletePodUnderLoad(kubectl, "traefik", "app.kubernetes.io/name=traefik", "traefik", "Traefik's pod deleted (one replica)"));
            // The protection removed by hand: Traefik's Deployment without its preStop pause (rolled out first).
            await kubectl("-n", "traefik", "patch", "deployment", "traefik", "--type=json", "-p", JSON.stringify([{ op: "remove", path: "/spec/template/spec/containers/0/lifecycle" }]));
            await kubectl("-n", "traefik", "rollout", "status", "deployment/traefik", "--timeout=120s");
            const unprotected = await deletePodUnderLoad(kubectl, "traefik", "app.kubernetes.io/name=traefik", "traefik", "Traefik's pod deleted, no preStop pause");
            // Two replicas and a disruption budget (traefik.replicas 2); the lab's up puts the pause back too.
            await setPathConfig(lab.stack, { "rollout-lab:traefik.replicas": "2" });
            await up(lab, "traefik.replicas 2");
            assert.equal(await kubectl("-n", "traefik", "get", "pdb", "traefik", "-o", "jsonpath={.spec.maxUnavailable}"), "1", "a disruption budget with two replicas");
            faults.push(await deletePodUnderLoad(kubectl, "traefik", "app.kubernetes.io/name=traefik", "traefik", "one of two Traefik pods deleted"));
            record.faults = [...faults, unprotected];
            for (const f of faults) {
                assert.equal(f.failed, 0, `${f.fault}: ${JSON.stringify(f.failures)}`);
                assert.ok(f.requests >= 500, `${f.fault}: the probe ran through it (${f.requests})`);
            }
            assert.ok(unprotected.failed > 0, `without its preStop pause Traefik's restart loses requests (${unprotected.requests} sent, none failed)`);
        });
    });
    it("kind-bluegreen-traefik on green, 2 pods a colour: a green (live) pod, then Traefik's pod deleted, then a green pod killed outright at 100 requests/s lose none, all answers from v2", async () => {
        const config = { ...traefikConfig(), "rollout-lab:bluegreen.activeColor": "green", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2" };
        await withKindStack(results, "faults kind-bluegreen-traefik", "kind-bluegreen-traefik", config, async (lab, record) => {
            const kubectl = await kubectlOf(lab);
            const faults = [
                await deletePodUnderLoad(kubectl, "rollout-lab", "rollout-lab/color=green", "demo-green", "a green (live) pod deleted (Traefik)"),
                await deletePodUnderLoad(kubectl, "traefik", "app.kubernetes.io/name=traefik", "traefik", "Traefik's pod deleted, blue/green (one replica)"),
                // Killed outright: Traefik's retry sends what the dead pod refused to the other green pod.
                await killPodsUnderLoad(kubectl, "rollout-lab", ["rollout-lab/color=green"], "a green (live) pod killed outright (Traefik's retry)"),
            ];
            record.faults = faults;
            for (const f of faults) {
                assert.equal(f.failed, 0, `${f.fault}: ${JSON.stringify(f.failures)}`);
                assert.deepEqual(Object.keys(f.versions), ["v2"], `${f.fault}: every answer from the live colour: ${JSON.stringify(f.versions)}`);
                assert.ok(f.requests >= 500, `${f.fault}: the probe ran through it (${f.requests})`);
            }
        });
    });

    it("kind-canary with two workers: a worker's container stopped at 100 requests/s; requests to its pods fail until the node is NotReady and its endpoints go, lab check names the node, and the lab serves again on the other", async () => {
        await withKindStack(results, "faults kind-canary, a worker stopped", "kind-canary", { ...canary, "rollout-lab:kind.workers": "2" }, async (lab, record) => {
            const kubectl = await kubectlOf(lab);
            const before = await labCheck(lab, "kind-canary");
            const nodesBefore = before.checks.find((c) => c.check === "nodes");
            assert.equal(nodesBefore?.status, "pass", `lab check's nodes line before: ${JSON.stringify(nodesBefore)}`);
            // The worker holding the most app pods.
            const pods = JSON.parse(await kubectl("-n", "rollout-lab", "get", "pods", "-l", "app.kubernetes.io/name=demo-app", "-o", "json")) as { items: { spec: { nodeName?: string } }[] };
            const perNode = new Map<string, number>();
            for (const p of pods.items) {
                perNode.set(p.spec.nodeName ?? "", (perNode.get(p.spec.nodeName ?? "") ?? 0) + 1);
            }
            const [node] = [...perNode.entries()].sort((a, b) => b[1] - a[1])[0];
            assert.match(node, new RegExp(`^${clusterName}-worker`), `the app runs on the workers (${JSON.stringify([...perNode])})`);
            const stopped = await stopWorkerUnderLoad(lab, kubectl, "kind-canary", node);
            record.faults = [stopped];
            assert.ok(stopped.failed > 0, "requests to the stopped node's pods fail until its endpoints go (nothing in the lab can see a node stop sooner)");
            assertServedAgain(stopped);
        });
    });
});
