import { strict as assert } from "assert";
import { parseLabConfig } from "../../components/labConfig";
import { Kubectl, PreflightError, assertPreflight, preflightProblems, sharedNamespaceProblem } from "./preflight";

// The checks before a lab goes up on a cluster it did not create, against a cluster described by what its
// kubectl answers (the real kubectl runs in test:e2e:existing).

interface FakeCluster {
    reachable?: boolean;
    namespaces?: { name: string; labels?: Record<string, string> }[];
    services?: { namespace: string; name: string; nodePorts: number[] }[];
    objects?: string[];
}

function fake(c: FakeCluster): Kubectl {
    return async (...args) => {
        if (args[0] === "get" && args[1] === "--raw") {
            if (c.reachable === false) {
                throw new Error('dial tcp 127.0.0.1:6443: connect: connection refused');
            }
            return "{}";
        }
        if (args[1] === "namespace") {
            const ns = (c.namespaces ?? []).find((n) => n.name === args[2]);
            return ns === undefined ? "" : JSON.stringify({ metadata: { name: ns.name, labels: ns.labels } });
        }
        if (args[1] === "namespaces") {
            return JSON.stringify({ items: (c.namespaces ?? []).map((n) => ({ metadata: { name: n.name, labels: n.labels } })) });
        }
        if (args[1] === "services") {
            return JSON.stringify({ items: (c.services ?? []).map((s) => ({ metadata: { name: s.name, namespace: s.namespace }, spec: { ports: s.nodePorts.map((nodePort) => ({ nodePort })) } })) });
        }
        const name = `${args[1]}/${args[2]}`;
        return (c.objects ?? []).includes(name) ? name : "";
    };
}

const lab = (extra: Record<string, unknown> = {}) =>
    parseLabConfig({ platform: "kubernetes", strategy: "canary", namespace: "lab-bob", candidate: { version: "v2" }, kubernetes: { nodePort: 30082 }, ...extra });

describe("preflight: a lab on a cluster it did not create", () => {
    it("nothing in the way: no problem; kind and render mode are not asked", async () => {
        assert.deepEqual(await preflightProblems(lab(), fake({ namespaces: [{ name: "default" }], services: [{ namespace: "lab-alice", name: "demo-app", nodePorts: [30081] }] })), []);
        assert.deepEqual(await preflightProblems(parseLabConfig({ candidate: { version: "v2" } }), fake({ reachable: false })), []);
    });

    it("an unreachable cluster names the kubeconfig and kubectl's reason", async () => {
        assert.deepEqual(await preflightProblems(lab({ kubernetes: { kubeconfig: "/tmp/class.kubeconfig", context: "class" } }), fake({ reachable: false })), [
            { key: "kubernetes.kubeconfig", given: '"/tmp/class.kubeconfig"', allowed: "a kubeconfig whose context class reaches a cluster (dial tcp 127.0.0.1:6443: connect: connection refused)" },
        ]);
    });

    it("a namespace of another owner, and a NodePort another Service holds with the next free one, are refused; its own are fine", async () => {
        const cluster = fake({
            namespaces: [{ name: "lab-bob" }],
            services: [
                { namespace: "shop", name: "web", nodePorts: [30082] },
                { namespace: "lab-alice", name: "demo-app", nodePorts: [30083] },
            ],
        });
        assert.deepEqual(await preflightProblems(lab(), cluster), [
            { key: "namespace", given: '"lab-bob"', allowed: "a namespace the cluster does not have yet, or one a lab made (lab-bob exists without the label app.kubernetes.io/part-of=rollout-lab)" },
            { key: "kubernetes.nodePort", given: "30082", allowed: "a NodePort no other Service holds (Service shop/web has 30082; 30084 is free)" },
        ]);
        const own = fake({ namespaces: [{ name: "lab-bob", labels: { "app.kubernetes.io/part-of": "rollout-lab" } }], services: [{ namespace: "lab-bob", name: "demo-app", nodePorts: [30082] }] });
        assert.deepEqual(await preflightProblems(lab(), own), [], "the lab's own namespace and Service, on a second up");
        assert.deepEqual(await preflightProblems(lab({ kubernetes: { serviceType: "ClusterIP" } }), cluster).then((p) => p.map((x) => x.key)), ["namespace"], "ClusterIP takes no NodePort");
    });

    it("what install: false leaves to the cluster must be there: the Gateway API's CRDs, Traefik's GatewayClass, Istio", async () => {
        const traefik = lab({ traffic: "traefik", traefik: { install: false }, gatewayApi: { install: false } });
        assert.deepEqual((await preflightProblems(traefik, fake({}))).map((p) => p.key), ["gatewayApi.install", "traefik.install"]);
        assert.deepEqual(await preflightProblems(traefik, fake({ objects: ["customresourcedefinition/httproutes.gateway.networking.k8s.io", "gatewayclass/traefik"] })), []);
        const istio = lab({ traffic: "istio", istio: { install: false }, monitoring: { enabled: true } });
        assert.deepEqual(await preflightProblems(istio, fake({})), [
            { key: "istio.install", given: "false", allowed: "true, or a cluster running Istio (virtualservices.networking.istio.io is not there)" },
        ]);
    });

    it("assertPreflight throws one error listing every problem in the config error's words", async () => {
        await assert.rejects(assertPreflight("bob's lab", lab(), fake({ namespaces: [{ name: "lab-bob" }] })), (e: Error) => {
            assert.ok(e instanceof PreflightError);
            assert.equal(
                e.message,
                "bob's lab cannot go up on this cluster (1 problem):\n  - rollout-lab:namespace: got \"lab-bob\"; allowed: a namespace the cluster does not have yet, or one a lab made (lab-bob exists without the label app.kubernetes.io/part-of=rollout-lab)",
            );
            return true;
        });
    });

    it("shared exporters must run where monitoring.exportersNamespace says, unless the caller installs them; a class's shared namespace another owner made is refused", async () => {
        const shared = lab({ monitoring: { grafana: false, exportersNamespace: "cloud-shared" } });
        const problems = await preflightProblems(shared, fake({}));
        assert.deepEqual(problems.map((p) => [p.key, p.given]), [["monitoring.exportersNamespace", '"cloud-shared"']]);
        assert.match(problems[0].allowed, /no DaemonSet cadvisor in cloud-shared: lab class up with shared\.exporters installs them/);
        assert.deepEqual(await preflightProblems(shared, fake({ objects: ["daemonset/cadvisor"] })), []);
        assert.deepEqual(await preflightProblems(lab({ monitoring: { enabled: false, exportersNamespace: "cloud-shared" } }), fake({})), [], "no monitoring, no exporters needed");
        await assertPreflight("bob's lab", shared, fake({}), ["monitoring.exportersNamespace"]);
        await assert.rejects(assertPreflight("bob's lab", shared, fake({})), /rollout-lab:monitoring\.exportersNamespace: got "cloud-shared"/);

        assert.equal(await sharedNamespaceProblem("cloud-shared", fake({})), undefined, "free");
        assert.equal(await sharedNamespaceProblem("cloud-shared", fake({ namespaces: [{ name: "cloud-shared", labels: { "app.kubernetes.io/part-of": "rollout-lab" } }] })), undefined, "the class's own");
        const taken = await sharedNamespaceProblem("cloud-shared", fake({ namespaces: [{ name: "cloud-shared", labels: { team: "x" } }] }));
        assert.equal(taken?.key, "class file:shared.exporters");
        assert.match(new PreflightError("class cloud", [taken!]).message, /  - class file:shared\.exporters: got true; allowed: a cluster without a namespace cloud-shared that no lab made/);
    });

    it("a lab over the cluster's Traefik holds no NodePort: the port its entry point is published on is not asked for", async () => {
        const cluster = fake({ services: [{ namespace: "cloud-shared", name: "traefik", nodePorts: [30082] }], objects: ["gatewayclass/traefik", "customresourcedefinition/httproutes.gateway.networking.k8s.io"] });
        const overShared = lab({ traffic: "traefik", traefik: { install: false, listenerPort: 8002 }, gatewayApi: { install: false } });
        assert.deepEqual(await preflightProblems(overShared, cluster), []);
        // The same port is refused for a lab that makes its own entry Service.
        assert.deepEqual((await preflightProblems(lab(), cluster)).map((p) => p.key), ["kubernetes.nodePort"]);
    });
});
