import { strict as assert } from "assert";
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as zlib from "zlib";
import { dropPrefetchedKubeconfig, kindKubeconfig, prefetchKindKubeconfig } from "../components/local";
import { deletedWithCluster } from "../components/platform";
import { labProgram } from "../program/lab";
import { kubernetesObjectsDeletedWith, readPriorState, settledResource } from "../program/priorState";

/** A settled resource's inputs in a checkpoint file, as the program and quickUp read them. */
const priorInputs = (file: string | undefined, type: string, name: string) => settledResource(readPriorState(file), type, name)?.inputs;
import { findResource, runUnderMocks, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import { K8S_PROVIDER, KIND_CLUSTER } from "./support/expectations";

// A `lab up` of a kind stack whose cluster stays: the program reads the stack's last state (a local
// backend's checkpoint), and where the cluster resource's inputs are unchanged it gives the Kubernetes
// provider kind's kubeconfig at once and registers it before the cluster, so the provider is configured
// while the engine starts the dynamic-provider host. Every Kubernetes object goes with the cluster.

const urnOf = (stack: string, name: string) =>
    `urn:pulumi:${stack}::rollout-lab::rollout-lab:platform:KubernetesPlatform$rollout-lab:platform:KindCluster$${KIND_CLUSTER}::${name}`;

function writeCheckpoint(backendDir: string, stack: string, latest: Record<string, unknown>, gz = false): string {
    const folder = path.join(backendDir, ".pulumi", "stacks", "rollout-lab");
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${stack}.json${gz ? ".gz" : ""}`);
    const text = JSON.stringify({ version: 3, checkpoint: { stack, latest } });
    fs.writeFileSync(file, gz ? zlib.gzipSync(text) : text);
    return file;
}

/** A `kind` that prints a kubeconfig naming the cluster for `get kubeconfig --name X`, counts its runs, and fails for a cluster named "gone". */
function fakeKind(dir: string): { runs: () => number } {
    const count = path.join(dir, "runs");
    fs.writeFileSync(
        path.join(dir, "kind"),
        `#!/bin/sh\necho run >> ${count}\n[ "$1 $2 $3" = "get kubeconfig --name" ] || exit 2\n[ "$4" = gone ] && { echo "no cluster $4" >&2; exit 1; }\nprintf 'kubeconfig of %s (%s)\\n' "$4" "\${KIND_EXPERIMENTAL_NO_SYS_RESOURCE:-privileged}"\n`,
        { mode: 0o755 },
    );
    return { runs: () => (fs.existsSync(count) ? fs.readFileSync(count, "utf8").split("\n").filter(Boolean).length : 0) };
}

describe("priorState: the stack's last state, read by the program", () => {
    let dir: string;
    let savedPath: string | undefined;
    // kind's switch for unprivileged nodes, where a developer's shell exports it: the tests give it themselves.
    const savedNoSysResource = process.env.KIND_EXPERIMENTAL_NO_SYS_RESOURCE;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "prior-state-"));
        savedPath = process.env.PATH;
        process.env.PATH = `${dir}${path.delimiter}${savedPath ?? ""}`;
        delete process.env.KIND_EXPERIMENTAL_NO_SYS_RESOURCE;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        if (savedNoSysResource !== undefined) process.env.KIND_EXPERIMENTAL_NO_SYS_RESOURCE = savedNoSysResource;
        dropPrefetchedKubeconfig();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("priorInputs", () => {
        const inputs = { clusterName: "rollout-lab", config: "kind: Cluster\n", env: {} };
        const cluster = { urn: urnOf("s", "lab-kind-cluster"), type: KIND_CLUSTER, inputs };

        it("gives the one resource's inputs, from a plain or a gzipped checkpoint", () => {
            assert.deepEqual(priorInputs(writeCheckpoint(dir, "s", { resources: [cluster] }), KIND_CLUSTER, "lab-kind-cluster"), inputs);
            assert.deepEqual(priorInputs(writeCheckpoint(dir, "gz", { resources: [cluster] }, true), KIND_CLUSTER, "lab-kind-cluster"), inputs);
        });

        it("gives nothing without a checkpoint, without the resource, or for a name that only ends alike", () => {
            assert.equal(priorInputs(undefined, KIND_CLUSTER, "lab-kind-cluster"), undefined);
            assert.equal(priorInputs(path.join(dir, "none.json"), KIND_CLUSTER, "lab-kind-cluster"), undefined);
            const file = writeCheckpoint(dir, "s", { resources: [{ ...cluster, urn: urnOf("s", "other-lab-kind-cluster") }] });
            assert.equal(priorInputs(file, KIND_CLUSTER, "lab-kind-cluster"), undefined);
            assert.equal(priorInputs(writeCheckpoint(dir, "t", { resources: [cluster] }), K8S_PROVIDER, "lab-kind-cluster"), undefined);
        });

        it("gives nothing for a resource that is not settled: marked for deletion, half replaced, pending, or there twice", () => {
            for (const [what, latest] of [
                ["deleted", { resources: [{ ...cluster, delete: true }] }],
                ["half replaced", { resources: [{ ...cluster, pendingReplacement: true }] }],
                ["pending", { resources: [cluster], pending_operations: [{ resource: { urn: cluster.urn }, type: "deleting" }] }],
                ["twice", { resources: [cluster, { ...cluster, inputs: { ...inputs, config: "old" } }] }],
            ] as const) {
                assert.equal(priorInputs(writeCheckpoint(dir, "s", latest), KIND_CLUSTER, "lab-kind-cluster"), undefined, what);
            }
        });

        it("gives nothing for a checkpoint it cannot read", () => {
            const file = path.join(dir, "broken.json");
            fs.writeFileSync(file, "{ not json");
            assert.equal(readPriorState(file), undefined);
            assert.equal(priorInputs(file, KIND_CLUSTER, "lab-kind-cluster"), undefined);
        });

        it("tells whether every Kubernetes object is deleted with a resource (components and the lab's own resources aside)", () => {
            const state = (resources: Record<string, unknown>[]) => ({ resources: resources as never, pending: new Set<string>() });
            const ns = { urn: "urn:ns", type: "kubernetes:core/v1:Namespace", custom: true, deletedWith: cluster.urn };
            const others = [cluster, { urn: "urn:c", type: "kubernetes:yaml:ConfigFile", custom: false }, { urn: "urn:p", type: K8S_PROVIDER, custom: true }];
            assert.equal(kubernetesObjectsDeletedWith(state([...others, ns]), cluster.urn), true);
            assert.equal(kubernetesObjectsDeletedWith(state([...others, ns, { ...ns, urn: "urn:old", deletedWith: undefined }]), cluster.urn), false);
            assert.equal(kubernetesObjectsDeletedWith(state([...others, { ...ns, deletedWith: "urn:another" }]), cluster.urn), false);
        });
    });

    describe("kind get kubeconfig, asked before the engine starts", () => {
        it("a prefetched answer is taken once, by the same cluster and environment; a dropped one is asked again", async () => {
            const kind = fakeKind(dir);
            prefetchKindKubeconfig("lab", {});
            assert.equal(await kindKubeconfig("lab", {}), "kubeconfig of lab (privileged)\n");
            assert.equal(kind.runs(), 1, "the prefetched run, taken");
            assert.equal(await kindKubeconfig("lab", {}), "kubeconfig of lab (privileged)\n");
            assert.equal(kind.runs(), 2, "taken once: the next call asks kind");

            prefetchKindKubeconfig("lab", {});
            assert.equal(await kindKubeconfig("lab", { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" }), "kubeconfig of lab (1)\n", "another environment asks anew");
            assert.equal(await kindKubeconfig("other", {}), "kubeconfig of other (privileged)\n", "another cluster asks anew");
            assert.equal(kind.runs(), 5);
            dropPrefetchedKubeconfig();
            assert.equal(await kindKubeconfig("lab", {}), "kubeconfig of lab (privileged)\n");
            assert.equal(kind.runs(), 6, "dropped: asked again");
        });

        it("is undefined where kind has no such cluster, or there is no kind", async () => {
            fakeKind(dir);
            assert.equal(await kindKubeconfig("gone", {}), undefined);
            process.env.PATH = "/nonexistent-rollout-lab-test";
            assert.equal(await kindKubeconfig("lab", {}), undefined);
        });
    });

    describe("the lab's program on kind", () => {
        const stack = "kind-canary-prior";
        const config = { ...stackConfig("kind-canary"), ...toPulumiConfig({ "rollout-lab:kind": { privileged: false } }) };
        const run = (extra: Record<string, string> = {}) => runUnderMocks(() => labProgram({ backendDir: dir }), { ...config, ...extra }, stack);
        const order = (r: Awaited<ReturnType<typeof run>>) => r.resources.map((x) => `${x.type}::${x.name}`);
        const provider = `${K8S_PROVIDER}::lab-k8s`;
        const cluster = `${KIND_CLUSTER}::lab-kind-cluster`;
        /** A secret input as the mocks see it. */
        const secret = (value: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
        /** The kubeconfig output the test mocks give the cluster resource. */
        const fromCluster = "# kubeconfig from lab-kind-cluster";

        it("the cluster the last state left, unchanged: the provider gets kind's kubeconfig (a secret), asked before the program ran", async () => {
            const kind = fakeKind(dir);
            const first = await run();
            assert.equal(kind.runs(), 0, "no state yet: kind is not asked");
            assert.ok(order(first).indexOf(provider) > order(first).indexOf(cluster), "a new cluster: the provider after it, on its output");
            const inputs = findResource(first, KIND_CLUSTER, "lab-kind-cluster").inputs;
            writeCheckpoint(dir, stack, { resources: [{ urn: urnOf(stack, "lab-kind-cluster"), type: KIND_CLUSTER, inputs }] });

            prefetchKindKubeconfig("rollout-lab", { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" }); // as quickUp does
            await new Promise((r) => setTimeout(r, 300));
            const again = await run();
            assert.deepEqual(findResource(again, K8S_PROVIDER, "lab-k8s").inputs.kubeconfig, secret("kubeconfig of rollout-lab (1)\n"));
            // The order the engine gets them in is read in the kind tier (test/e2e/kind.test.ts): the mocks answer
            // every registration at once, so here the cluster's goes out first all the same.
            assert.equal(kind.runs(), 1, "the prefetched answer, taken");
        });

        it("a changed cluster (replaced), a state with objects not yet deleted with it, or a cluster kind no longer has: the provider waits for the cluster resource's kubeconfig", async () => {
            fakeKind(dir);
            // (Under the mocks the order says which: the provider's registration waits for the cluster's output.)
            const inputs = findResource(await run(), KIND_CLUSTER, "lab-kind-cluster").inputs;
            writeCheckpoint(dir, stack, { resources: [{ urn: urnOf(stack, "lab-kind-cluster"), type: KIND_CLUSTER, inputs }] });

            const replaced = await run(toPulumiConfig({ "rollout-lab:kind": { privileged: false, workers: 2 } }));
            assert.ok(order(replaced).indexOf(provider) > order(replaced).indexOf(cluster), "after the cluster");
            assert.deepEqual(findResource(replaced, K8S_PROVIDER, "lab-k8s").inputs.kubeconfig, secret(fromCluster));

            // A stack from before deletedWith (an object without it): the provider keeps its relation to the cluster.
            const clusterUrn = urnOf(stack, "lab-kind-cluster");
            const object = { urn: "urn:pulumi:x::rollout-lab::kubernetes:core/v1:Namespace::lab-ns", type: "kubernetes:core/v1:Namespace", custom: true };
            writeCheckpoint(dir, stack, { resources: [{ urn: clusterUrn, type: KIND_CLUSTER, inputs }, object] });
            const old = await run();
            assert.deepEqual(findResource(old, K8S_PROVIDER, "lab-k8s").inputs.kubeconfig, secret(fromCluster));
            writeCheckpoint(dir, stack, { resources: [{ urn: clusterUrn, type: KIND_CLUSTER, inputs }, { ...object, deletedWith: clusterUrn }] });
            prefetchKindKubeconfig("rollout-lab", { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" });
            assert.deepEqual(findResource(await run(), K8S_PROVIDER, "lab-k8s").inputs.kubeconfig, secret("kubeconfig of rollout-lab (1)\n"), "once every object goes with the cluster");

            writeCheckpoint(dir, stack, { resources: [{ urn: clusterUrn, type: KIND_CLUSTER, inputs: { ...inputs, clusterName: "gone" } }] });
            const gone = await run(toPulumiConfig({ "rollout-lab:kind": { privileged: false, clusterName: "gone" } }));
            assert.deepEqual(findResource(gone, K8S_PROVIDER, "lab-k8s").inputs.kubeconfig, secret(fromCluster), "the cluster resource's output, not kind's");
        });
    });

    describe("deletedWithCluster", () => {
        /** A custom resource of any type (the SDK's class is abstract). */
        class Custom extends pulumi.CustomResource {}
        it("sends Kubernetes objects with the cluster; not the provider, a component, or the lab's own resources", async () => {
            await runUnderMocks(() => {
                const cluster = new Custom("test:index:Cluster", "cluster", {});
                const transform = deletedWithCluster(cluster);
                const seen: Record<string, unknown> = {};
                const probe: pulumi.ResourceTransformation = (args) => {
                    seen[args.name] = transform(args)?.opts.deletedWith;
                    return undefined;
                };
                new k8s.core.v1.Namespace("ns", {}, { transformations: [probe] });
                new k8s.Provider("k8s", {}, { transformations: [probe] });
                new pulumi.ComponentResource("kubernetes:yaml:ConfigFile", "files", {}, { transformations: [probe] });
                new Custom("pulumi-nodejs:dynamic/rollout-lab:CrdBundle", "crds", {}, { transformations: [probe] });
                assert.deepEqual(Object.keys(seen).sort(), ["crds", "files", "k8s", "ns"]);
                assert.equal(seen.ns, cluster);
                assert.equal(seen.k8s, undefined);
                assert.equal(seen.files, undefined);
                assert.equal(seen.crds, undefined);
                return {};
            });
        });
    });
});
