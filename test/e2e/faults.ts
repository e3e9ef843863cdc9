import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { kubectlFor } from "../../tools/lib/kubectl";
import { LabStack } from "../../tools/lib/workspace";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { entry } from "./kindCluster";
import { labCheck, log, probeAround, stackConfigFromEnv } from "./support";

// What the kind faults suites share: the faults themselves (a pod deleted, a pod's process killed outright),
// each run under the probe and written down as a Fault.

export function traefikConfig(): Record<string, string> {
    const config = stackConfigFromEnv("E2E_TRAEFIK");
    const image = config["rollout-lab:traefik.image"];
    return image === undefined ? config : { ...config, "rollout-lab:kind.loadImages[0]": image };
}

/** docker, without blocking the probe's event loop (a node's graceful stop takes seconds). */
export const dockerAsync = async (...args: string[]): Promise<string> => (await promisify(execFile)("docker", args, { encoding: "utf8" })).stdout.trim();

export type Kubectl = (...args: string[]) => Promise<string>;

/** kubectl against the stack's cluster (the lab's own helper, async: it never blocks the probe's event loop). */
export async function kubectlOf(lab: LabStack): Promise<Kubectl> {
    // Longer than kubectl's own --timeout flags here (a deleted pod may take its whole 30 s grace period).
    const kubectl = kubectlFor({ kubeconfig: String((await lab.stack.outputs()).kubeconfig?.value ?? "") }, 300_000);
    return async (...args: string[]) => (await kubectl(...args)).trim();
}

export interface Fault {
    fault: string;
    requests: number;
    failed: number;
    failures: Record<string, number>;
    errorWindowS: number;
    versions: Record<string, number>;
}

export function faultRecord(fault: string, s: ProbeSummary): Fault {
    const record = {
        fault,
        requests: s.requests,
        failed: s.failed,
        failures: s.failures,
        errorWindowS: s.errorWindow?.durationS ?? 0,
        versions: Object.fromEntries(Object.entries(s.versions).map(([v, x]) => [v, x.count])),
    };
    log(`fault: ${JSON.stringify(record)}`);
    return record;
}

/** Serving pods matching `selector`: Running, Ready and not already terminating (a rollout's old pod can still be Running). */
export async function servingPods(kubectl: Kubectl, namespace: string, selector: string): Promise<string[]> {
    const list = JSON.parse(await kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", "json")) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase?: string; conditions?: { type: string; status: string }[] } }[];
    };
    return list.items
        .filter((p) => p.metadata.deletionTimestamp === undefined && p.status.phase === "Running" && p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        .map((p) => p.metadata.name);
}

/**
 * Deletes one serving pod of each selector (together) in `namespace` while the probe runs, and waits until
 * each Deployment is whole again (the replacements ready) before the probe's tail.
 */
export async function deletePodsUnderLoad(kubectl: Kubectl, namespace: string, targets: { selector: string; deployment: string }[], what: string): Promise<Fault> {
    const pods: string[] = [];
    for (const t of targets) {
        const serving = await servingPods(kubectl, namespace, t.selector);
        assert.ok(serving.length > 0, `a serving pod for ${t.selector} in ${namespace}`);
        pods.push(serving[0]);
    }
    const summary = await probeAround(
        entry,
        async () => {
            await kubectl("-n", namespace, "delete", "pod", ...pods, "--wait=true", "--timeout=120s");
            for (const t of targets) {
                await kubectl("-n", namespace, "rollout", "status", `deployment/${t.deployment}`, "--timeout=120s");
            }
        },
        { newConnections: true, tailS: 3, maxS: 240 },
    );
    return faultRecord(what, summary);
}

export const deletePodUnderLoad = (kubectl: Kubectl, namespace: string, selector: string, deployment: string, what: string): Promise<Fault> =>
    deletePodsUnderLoad(kubectl, namespace, [{ selector, deployment }], what);


interface PodState {
    spec: { nodeName?: string };
    status: { containerStatuses?: { containerID?: string; restartCount: number; ready: boolean }[] };
}

/**
 * Kills the app container's process of one serving pod of each selector outright (SIGKILL through the node's
 * containerd, as the OOM killer would: no preStop, no grace, its connections reset) while the probe runs,
 * and waits until each pod's container has been restarted and is ready again.
 */
export async function killPodsUnderLoad(kubectl: Kubectl, namespace: string, selectors: string[], what: string): Promise<Fault & { readyAgainS: number }> {
    const pod = async (name: string) => JSON.parse(await kubectl("-n", namespace, "get", "pod", name, "-o", "json")) as PodState;
    const targets: { name: string; node: string; container: string; restarts: number }[] = [];
    for (const selector of selectors) {
        const serving = await servingPods(kubectl, namespace, selector);
        assert.ok(serving.length > 0, `a serving pod for ${selector} in ${namespace}`);
        const p = await pod(serving[0]);
        const status = p.status.containerStatuses?.[0];
        const node = p.spec.nodeName;
        const id = /^containerd:\/\/(\w+)$/.exec(status?.containerID ?? "")?.[1];
        assert.ok(node !== undefined && id !== undefined && status !== undefined, `${serving[0]}: its node and container (${JSON.stringify(status)})`);
        targets.push({ name: serving[0], node, container: id, restarts: status.restartCount });
    }
    let readyAgainS = 0;
    const summary = await probeAround(
        entry,
        async () => {
            const t0 = Date.now();
            // kind names a node's container after the node; its containerd holds the pod's container as a task.
            await Promise.all(targets.map((t) => dockerAsync("exec", t.node, "ctr", "-n", "k8s.io", "task", "kill", "--signal", "SIGKILL", t.container)));
            log(`killed ${targets.map((t) => `${t.name} on ${t.node}`).join(", ")}`);
            for (const t of targets) {
                for (let i = 0; ; i++) {
                    const status = (await pod(t.name)).status.containerStatuses?.[0];
                    if (status !== undefined && status.restartCount > t.restarts && status.ready) {
                        break;
                    }
                    assert.ok(i < 240, `${t.name} restarted and ready again within 2 min (${JSON.stringify(status)})`);
                    await new Promise((r) => setTimeout(r, 500));
                }
            }
            readyAgainS = (Date.now() - t0) / 1000;
        },
        { newConnections: true, tailS: 3, maxS: 240 },
    );
    return { ...faultRecord(what, summary), readyAgainS };
}

export interface WorkerStopped extends Fault {
    node: string;
    podsOnNode: number;
    /** From the stop: lab check's nodes line failed, the node's endpoints no longer ready, the last failed request. */
    notReadyAfterS: number;
    endpointsGoneAfterS: number;
    servingAgainS: number;
    /** 10 s of settled requests without a failure within 4 min of the stop. */
    quiet: boolean;
    nodesLine?: { status: string; measured: string };
    nodesAfter?: { status: string; measured: string };
}

/**
 * Stops a worker node's container (kind names it after the node) while the probe runs, then watches side
 * by side its endpoints (each second) and lab check's nodes line; waits for 10 s without a failure (up to
 * 4 min), starts the node again and checks once it is Ready and the app whole.
 */
export async function stopWorkerUnderLoad(lab: LabStack, kubectl: Kubectl, stack: string, node: string): Promise<WorkerStopped> {
    const podsOnNode = (JSON.parse(await kubectl("-n", "rollout-lab", "get", "pods", "-l", "app.kubernetes.io/name=demo-app", "-o", "json")) as { items: { spec: { nodeName?: string } }[] }).items.filter(
        (p) => p.spec.nodeName === node,
    ).length;
    log(`stopping ${node} (${podsOnNode} app pods on it)`);
    let nodesLine: { status: string; measured: string } | undefined;
    let endpointsGoneAfterS = 0;
    // The probe run by hand here: its records show when the lab serves again.
    const probe = new Probe({ url: entry, ratePerSecond: 100, durationS: 420, timeoutMs: 2000, maxInFlight: 400, newConnections: true });
    const running = probe.run();
    await new Promise((r) => setTimeout(r, 3000));
    probe.mark();
    const t0 = Date.now();
    await dockerAsync("stop", node);
    const endpointsGone = (async () => {
        for (let i = 0; i < 240; i++) {
            const slices = JSON.parse(await kubectl("-n", "rollout-lab", "get", "endpointslices", "-o", "json")) as { items: { endpoints?: { nodeName?: string; conditions?: { ready?: boolean } }[] }[] };
            if (!slices.items.some((sl) => (sl.endpoints ?? []).some((e) => e.nodeName === node && e.conditions?.ready === true))) {
                break;
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
        endpointsGoneAfterS = (Date.now() - t0) / 1000;
    })();
    // lab check names the node once the node controller marks it (node-monitor-grace-period).
    for (let i = 0; i < 60 && nodesLine?.status !== "fail"; i++) {
        await new Promise((r) => setTimeout(r, 3000));
        nodesLine = (await labCheck(lab, stack)).checks.find((c) => c.check === "nodes");
    }
    const notReadyAfterS = (Date.now() - t0) / 1000;
    await endpointsGone;
    // Serving again: 10 s of settled requests (sent at least 2 s ago), at least 800, none failed; up to 4 min.
    let quiet = false;
    while (!quiet && Date.now() - t0 < 240_000) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = probe.elapsedMs();
        const recent = probe.snapshot().filter((r) => r.sentAtMs >= now - 12_000 && r.sentAtMs < now - 2_000);
        quiet = recent.length >= 800 && recent.every((r) => r.version !== undefined);
    }
    probe.stop();
    const summary = await running;
    const fault = faultRecord(`${node} stopped (${podsOnNode} app pods on it)`, summary);
    const servingAgainS = summary.errorWindow === null || summary.change === null ? 0 : Math.round((summary.errorWindow.lastS - summary.change.markedAtS) * 10) / 10;
    log(`node NotReady in lab check after ${notReadyAfterS} s, its endpoints gone after ${endpointsGoneAfterS} s, last failure ${servingAgainS} s after the stop`);

    await dockerAsync("start", node);
    await kubectl("wait", "--for=condition=Ready", `node/${node}`, "--timeout=180s");
    for (const d of ["demo-stable", "demo-canary"]) {
        await kubectl("-n", "rollout-lab", "rollout", "status", `deployment/${d}`, "--timeout=180s");
    }
    const nodesAfter = (await labCheck(lab, stack)).checks.find((c) => c.check === "nodes");
    return { ...fault, node, podsOnNode, notReadyAfterS, endpointsGoneAfterS, servingAgainS, quiet, nodesLine, nodesAfter };
}

/** What a stopped worker must show: lab check named it, the lab served again on the rest, and passes once the node is back. */
export function assertServedAgain(w: WorkerStopped): void {
    assert.equal(w.nodesLine?.status, "fail", `lab check's nodes line while ${w.node} is stopped: ${JSON.stringify(w.nodesLine)}`);
    assert.match(w.nodesLine?.measured ?? "", new RegExp(`${w.node} not Ready \\(Unknown.*${w.podsOnNode} of the lab's pods on it`), "it names the node, its state and the lab's pods on it");
    assert.ok(w.quiet, `the lab serves again on the other worker: 10 s without a failure within 4 min of the stop (last failure ${w.servingAgainS} s after it; endpoints gone after ${w.endpointsGoneAfterS} s, lab check said so after ${w.notReadyAfterS} s)`);
    assert.equal(w.nodesAfter?.status, "pass", "the node back: lab check's nodes line passes again");
}
