import { strict as assert } from "assert";
import * as fs from "fs";
import { LabStack, setPathConfig } from "../../tools/lib/workspace";
import { entry, leftovers, clusterName, withKindStack } from "./kindCluster";
import { labCheck, log, probeAround, up } from "./support";
import { Fault, Kubectl, assertServedAgain, faultRecord, killPodsUnderLoad, kubectlOf, servingPods, stopWorkerUnderLoad, traefikConfig } from "./faults";

// Faults under load on kind, part 2 (issue 32): what the router and the disruption budgets add, on
// kind-canary-traefik with two workers at 100 requests/s from 127.0.0.1, each request on a new connection.
// 1. A v1 and a v2 pod's process killed outright (SIGKILL: no preStop, its connections reset): Traefik's
//    retry sends what the dead pod refused to another pod; with traefik.retry.attempts 1 the same kill
//    loses requests.
// 2. A worker drained (kubectl drain) that holds both of v2's pods, whose replacements take 8 s to be
//    ready (candidate.readyDelayMs): the budget lets one go at a time, so v2 always has a ready pod; the
//    same drain with --disable-eviction (pods deleted, the budget bypassed) leaves v2's route with no pod.
// 3. A step applied while pods fail: `lab up` from 50% to 80% while a v1 pod and Traefik's pod are deleted.
// 4. A worker stopped (the one without Traefik's pod): Traefik gives up on a pod that does not take the
//    connection within traefik.retry.dialTimeoutMs and tries again; the failures and their window measured,
//    lab check must name the node, the lab must serve again.
//
// Needs what test/e2e/kindTraefik.test.ts needs (E2E_KIND_*, E2E_TRAEFIK). E2E_RESULTS writes the figures
// to <name>.router-faults.json.

const results: Record<string, unknown>[] = [];

const podsOf = async (kubectl: Kubectl, namespace: string, selector: string): Promise<{ name: string; node: string }[]> =>
    (JSON.parse(await kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", "json")) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string } }[] }).items
        .filter((p) => p.metadata.deletionTimestamp === undefined)
        .map((p) => ({ name: p.metadata.name, node: p.spec.nodeName ?? "" }));

/** Waits until Traefik's pods read `attempts` in the retry file (a ConfigMap reaches a mounted volume with the kubelet's sync), then Traefik's reload. */
async function retryFileSays(kubectl: Kubectl, attempts: number): Promise<number> {
    const t0 = Date.now();
    for (const pod of await podsOf(kubectl, "traefik", "app.kubernetes.io/name=traefik")) {
        for (let i = 0; !(await kubectl("-n", "traefik", "exec", pod.name, "--", "cat", "/etc/traefik/dynamic/retry.yaml")).includes(`attempts: ${attempts}`); i++) {
            assert.ok(i < 180, `Traefik's retry file says attempts ${attempts} within 3 min`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
    // The file provider's watch, then the provider throttle (2 s).
    await new Promise((r) => setTimeout(r, 4000));
    return (Date.now() - t0) / 1000;
}

/** Puts every pod of `deployment` on `node`: the other worker cordoned while it restarts. */
async function placeAllOn(kubectl: Kubectl, deployment: string, selector: string, node: string, other: string): Promise<void> {
    await kubectl("cordon", other);
    try {
        await kubectl("-n", "rollout-lab", "rollout", "restart", `deployment/${deployment}`);
        await kubectl("-n", "rollout-lab", "rollout", "status", `deployment/${deployment}`, "--timeout=180s");
    } finally {
        await kubectl("uncordon", other);
    }
    const pods = await podsOf(kubectl, "rollout-lab", selector);
    assert.ok(pods.length >= 2 && pods.every((p) => p.node === node), `every ${deployment} pod on ${node}: ${JSON.stringify(pods)}`);
}

async function drainUnderLoad(kubectl: Kubectl, node: string, what: string, flags: string[] = []): Promise<Fault> {
    const summary = await probeAround(
        entry,
        async () => {
            await kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=240s", ...flags);
            for (const d of ["demo-stable", "demo-canary"]) {
                await kubectl("-n", "rollout-lab", "rollout", "status", `deployment/${d}`, "--timeout=180s");
            }
        },
        { newConnections: true, tailS: 3, maxS: 300 },
    );
    await kubectl("uncordon", node);
    return faultRecord(what, summary);
}

describe("faults under load on kind, the router's part (pods killed outright, a drain, a step under faults; issue 32)", function () {
    this.timeout(40 * 60 * 1000);

    before(() => {
        assert.deepEqual(leftovers(), [], `start from an engine with no ${clusterName} cluster`);
    });

    after(() => {
        if (process.env.E2E_RESULTS) {
            fs.writeFileSync(process.env.E2E_RESULTS.replace(/(\.json)?$/, ".router-faults.json"), JSON.stringify(results, null, 2));
        }
    });

    const config = {
        ...traefikConfig(),
        "rollout-lab:canary.weight": "50",
        "rollout-lab:stable.replicas": "2",
        "rollout-lab:candidate.replicas": "2",
        "rollout-lab:candidate.readyDelayMs": "8000",
        "rollout-lab:kind.workers": "2",
    };

    it("kind-canary-traefik, two workers: killed pods lose none through Traefik's retry (attempts 1 loses some); a drain keeps v2 ready by its budget (--disable-eviction loses v2's share); a step applied while pods are deleted loses none", async () => {
        await withKindStack(results, "router faults kind-canary-traefik", "kind-canary-traefik", config, async (lab: LabStack, record) => {
            const kubectl = await kubectlOf(lab);
            const both = ["app.kubernetes.io/version=v1", "app.kubernetes.io/version=v2"];
            const killed = await killPodsUnderLoad(kubectl, "rollout-lab", both, "a v1 and a v2 pod killed outright (Traefik, retry attempts 5)");
            await setPathConfig(lab.stack, { "rollout-lab:traefik.retry.attempts": "1" });
            await up(lab, "the protection removed: traefik.retry.attempts 1");
            log(`Traefik read attempts 1 after ${await retryFileSays(kubectl, 1)} s`);
            const unprotected = await killPodsUnderLoad(kubectl, "rollout-lab", both, "a v1 and a v2 pod killed outright, no retry (attempts 1)");
            await setPathConfig(lab.stack, { "rollout-lab:traefik.retry.attempts": "5" });
            await up(lab, "traefik.retry.attempts 5 again");
            await retryFileSays(kubectl, 5);

            // The drain: the worker without Traefik's pod, holding both of v2's pods.
            const workers = (await kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}")).split(" ").filter((n) => n.startsWith(`${clusterName}-worker`));
            assert.equal(workers.length, 2, `two workers: ${workers.join(", ")}`);
            const traefikNode = (await podsOf(kubectl, "traefik", "app.kubernetes.io/name=traefik"))[0].node;
            const node = workers.find((w) => w !== traefikNode) ?? workers[0];
            const other = workers.find((w) => w !== node)!;
            await placeAllOn(kubectl, "demo-canary", "app.kubernetes.io/version=v2", node, other);
            const drained = await drainUnderLoad(kubectl, node, `${node} drained, both v2 pods on it (budgets: one at a time)`);
            await placeAllOn(kubectl, "demo-canary", "app.kubernetes.io/version=v2", node, other);
            const bypassed = await drainUnderLoad(kubectl, node, `${node} drained with --disable-eviction (budgets bypassed)`, ["--disable-eviction"]);

            // A step under faults: the up runs while a v1 pod and Traefik's pod are deleted.
            const [v1Pod] = await servingPods(kubectl, "rollout-lab", "app.kubernetes.io/version=v1");
            const [traefikPod] = await servingPods(kubectl, "traefik", "app.kubernetes.io/name=traefik");
            await setPathConfig(lab.stack, { "rollout-lab:canary.weight": "80" });
            const timeline: Record<string, number> = {};
            const t0 = Date.now();
            const step = await probeAround(
                entry,
                async () => {
                    const stepUp = up(lab, "canary 50% -> 80% while pods are deleted").then(() => (timeline.upReturnedS = (Date.now() - t0) / 1000));
                    await new Promise((r) => setTimeout(r, 1000));
                    timeline.deletedS = (Date.now() - t0) / 1000;
                    await kubectl("-n", "rollout-lab", "delete", "pod", v1Pod, "--wait=false");
                    await kubectl("-n", "traefik", "delete", "pod", traefikPod, "--wait=false");
                    await stepUp;
                    await kubectl("-n", "rollout-lab", "rollout", "status", "deployment/demo-stable", "--timeout=120s");
                    await kubectl("-n", "traefik", "rollout", "status", "deployment/traefik", "--timeout=120s");
                },
                { newConnections: true, tailS: 5, maxS: 240 },
            );
            const stepFault = { ...faultRecord("canary 50% -> 80% applied while a v1 pod and Traefik's pod are deleted", step), ...timeline };
            log(`the step: pods deleted ${timeline.deletedS} s after the up began, the up returned after ${timeline.upReturnedS} s`);
            const check = await labCheck(lab, "kind-canary-traefik");
            record.faults = [killed, unprotected, drained, bypassed, stepFault];

            for (const f of [killed, drained, stepFault]) {
                assert.equal(f.failed, 0, `${f.fault}: ${JSON.stringify(f.failures)}`);
                assert.ok(f.requests >= 500, `${f.fault}: the probe ran through it (${f.requests})`);
            }
            assert.ok(unprotected.failed > 0, `without Traefik's retry the kill loses requests (${unprotected.requests} sent, none failed): the retry is what the 0 above rests on`);
            assert.ok(bypassed.failed > 0, `the drain without the budgets loses v2's share while no v2 pod is ready (${bypassed.requests} sent, none failed)`);
            assert.ok(check.ok, "lab check passes at 80% after the step");
        });
    });

    it("kind-canary-traefik, two workers: a worker without Traefik's pod stopped at 100 requests/s; Traefik's dial timeout and retry send its pods' requests elsewhere until the endpoints go; lab check names the node; the lab serves again", async () => {
        const workerConfig = { ...traefikConfig(), "rollout-lab:canary.weight": "50", "rollout-lab:stable.replicas": "2", "rollout-lab:candidate.replicas": "2", "rollout-lab:kind.workers": "2" };
        await withKindStack(results, "router faults kind-canary-traefik, a worker stopped", "kind-canary-traefik", workerConfig, async (lab: LabStack, record) => {
            const kubectl = await kubectlOf(lab);
            const traefikNode = (await podsOf(kubectl, "traefik", "app.kubernetes.io/name=traefik"))[0].node;
            const appPods = await podsOf(kubectl, "rollout-lab", "app.kubernetes.io/name=demo-app");
            const node = (await kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}")).split(" ").find((n) => n.startsWith(`${clusterName}-worker`) && n !== traefikNode);
            assert.ok(node !== undefined && appPods.some((p) => p.node === node), `a worker without Traefik's pod (on ${traefikNode}) holding app pods: ${JSON.stringify(appPods)}`);
            const stopped = await stopWorkerUnderLoad(lab, kubectl, "kind-canary-traefik", node);
            record.faults = [stopped];
            assertServedAgain(stopped);
        });
    });
});
