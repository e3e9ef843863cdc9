import { strict as assert } from "assert";
import { labConfigSchema } from "../components/config/schema";
import { DEFAULT_STEPS, Finding, ResourceInput, StackContext, evaluate, isPinnedImage, stackContext } from "../policy/rules";

// The policy pack's rules on single resources, written out: each rule finds its violation on a bad
// resource and nothing on a good one; a waiver with a reason makes the finding advisory. The pack
// under the real engine, on the lab's stacks and on a program of bad resources: test/engine/policy.test.ts.

const ctx: StackContext = { listenAddresses: ["127.0.0.1"], steps: [10, 25, 50, 100], plaintextConfigKeys: [] };

const goodContainer = {
    name: "app",
    image: "rollout-lab/demo-app:abc123",
    readinessProbe: { httpGet: { path: "/ready", port: "http" } },
    livenessProbe: { httpGet: { path: "/live", port: "http" } },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
    env: [{ name: "VERSION", value: "v1" }],
};
const deployment = (container: Record<string, unknown>, podSecurity: Record<string, unknown> = { runAsNonRoot: true, runAsUser: 10001 }, annotations?: Record<string, string>): ResourceInput => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "lab-demo",
    props: { metadata: { name: "demo", annotations }, spec: { template: { spec: { securityContext: podSecurity, containers: [container] } } } },
});
const goodService = {
    name: "lab-demo-stable",
    taskSpec: {
        containerSpec: { image: "rollout-lab/demo-app:abc123", user: "10001:10001", env: { VERSION: "v1" }, healthcheck: { tests: ["CMD", "true"] } },
        resources: { limits: { nanoCpus: 500000000, memoryBytes: 134217728 }, reservation: { nanoCpus: 50000000, memoryBytes: 67108864 } },
    },
};
const service = (props: Record<string, any>): ResourceInput => ({ type: "docker:index/service:Service", name: "lab-demo-stable", props });
const container = (props: Record<string, any>): ResourceInput => ({ type: "docker:index/container:Container", name: "lab-edge", props });
const goodDockerContainer = {
    image: "rollout-lab/edge-haproxy:1a2b",
    user: "haproxy",
    memory: 128,
    cpus: "0.5",
    healthcheck: { tests: ["CMD", "true"] },
    ports: [{ internal: 80, external: 8080, ip: "127.0.0.1" }],
};
const rulesOf = (findings: Finding[]) => findings.map((f) => (f.waived ? `${f.rule} (waived)` : f.rule));

describe("policy rules", () => {
    it("find nothing on a hardened Deployment, Swarm service and container", () => {
        assert.deepEqual(evaluate(deployment(goodContainer), ctx), []);
        assert.deepEqual(evaluate(service(goodService), ctx), []);
        assert.deepEqual(evaluate(container(goodDockerContainer), ctx), []);
    });

    it("container-probes: a Kubernetes container without a readiness or liveness probe, a Docker one without a healthcheck", () => {
        const { livenessProbe: _l, ...noLiveness } = goodContainer;
        assert.deepEqual(evaluate(deployment(noLiveness), ctx), [{ rule: "container-probes", message: "lab-demo/app: no livenessProbe" }]);
        assert.deepEqual(evaluate(container({ ...goodDockerContainer, healthcheck: { tests: ["NONE"] } }), ctx), [{ rule: "container-probes", message: "lab-edge: no healthcheck" }]);
        assert.deepEqual(rulesOf(evaluate(service({ taskSpec: { ...goodService.taskSpec, containerSpec: { ...goodService.taskSpec.containerSpec, healthcheck: undefined } } }), ctx)), ["container-probes"]);
    });

    it("container-resources: requests and limits of CPU and memory; Swarm reservations; a container's memory and cpus", () => {
        assert.deepEqual(evaluate(deployment({ ...goodContainer, resources: { limits: { cpu: "1", memory: "1Gi" } } }), ctx), [
            { rule: "container-resources", message: "lab-demo/app: no resources.requests.cpu, resources.requests.memory" },
        ]);
        assert.deepEqual(evaluate(service({ taskSpec: { ...goodService.taskSpec, resources: { limits: goodService.taskSpec.resources.limits } } }), ctx), [
            { rule: "container-resources", message: "lab-demo-stable: no taskSpec.resources.reservation.nanoCpus, taskSpec.resources.reservation.memoryBytes" },
        ]);
        assert.deepEqual(evaluate(container({ ...goodDockerContainer, cpus: undefined }), ctx), [{ rule: "container-resources", message: "lab-edge: no cpus limit" }]);
    });

    it("pinned-image: a tag other than latest, or a digest; a registry's port is not a tag", () => {
        assert.deepEqual(
            ["nginx", "nginx:latest", "localhost:5000/app", "localhost:5000/app:1.2", "app@sha256:0123", "traefik:v3.7.13"].map(isPinnedImage),
            [false, false, false, true, true, true],
        );
        assert.deepEqual(evaluate(deployment({ ...goodContainer, image: "busybox:latest" }), ctx), [
            { rule: "pinned-image", message: "lab-demo/app: image busybox:latest is not pinned (give a tag other than latest, or a digest)" },
        ]);
    });

    it("non-root: runAsNonRoot or a user above 0 at pod or container level; privileged and runAsUser 0 fail; Docker's user", () => {
        assert.deepEqual(evaluate(deployment(goodContainer, {}), ctx), [{ rule: "non-root", message: "lab-demo/app: neither runAsNonRoot: true nor a runAsUser above 0" }]);
        assert.deepEqual(evaluate(deployment({ ...goodContainer, securityContext: { runAsUser: 0 } }), ctx), [{ rule: "non-root", message: "lab-demo/app: runAsUser 0" }]);
        assert.deepEqual(evaluate(deployment({ ...goodContainer, securityContext: { privileged: true } }), ctx), [{ rule: "non-root", message: "lab-demo/app: runs privileged" }]);
        assert.deepEqual(evaluate(deployment({ ...goodContainer, securityContext: { runAsUser: 1000 } }, {}), ctx), []);
        assert.deepEqual(evaluate(container({ ...goodDockerContainer, user: "0:0" }), ctx), [{ rule: "non-root", message: 'lab-edge: runs as root (user "0:0")' }]);
        assert.deepEqual(evaluate(container({ ...goodDockerContainer, user: undefined }), ctx), [{ rule: "non-root", message: "lab-edge: runs as root (user unset)" }]);
    });

    it("no-plaintext-secrets: a secret-named env var with a value; valueFrom and __FILE pass; a ConfigMap key named like a secret", () => {
        assert.deepEqual(evaluate(deployment({ ...goodContainer, env: [{ name: "GF_SECURITY_ADMIN_PASSWORD", value: "hunter2" }] }), ctx), [
            { rule: "no-plaintext-secrets", message: "lab-demo/app: env GF_SECURITY_ADMIN_PASSWORD holds a value in plain text (use valueFrom.secretKeyRef)" },
        ]);
        assert.deepEqual(evaluate(deployment({ ...goodContainer, env: [{ name: "GF_SECURITY_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "g", key: "password" } } }] }), ctx), []);
        assert.deepEqual(rulesOf(evaluate(container({ ...goodDockerContainer, envs: ["API_TOKEN=abc", "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/pw"] }), ctx)), ["no-plaintext-secrets"]);
        assert.deepEqual(rulesOf(evaluate(service({ taskSpec: { ...goodService.taskSpec, containerSpec: { ...goodService.taskSpec.containerSpec, env: { DB_PASSWORD: "x" } } } }), ctx)), ["no-plaintext-secrets"]);
        assert.deepEqual(evaluate({ type: "kubernetes:core/v1:ConfigMap", name: "lab-cm", props: { data: { "admin-password": "x", "prometheus.yml": "..." } } }, ctx), [
            { rule: "no-plaintext-secrets", message: "lab-cm: ConfigMap key admin-password looks like a secret (use a Secret)" },
        ]);
    });

    it("ui-localhost: a port on 0.0.0.0 fails unless the stack's config sets that listenAddress; kind's port mappings too", () => {
        const open = container({ ...goodDockerContainer, ports: [{ internal: 3000, external: 3000, ip: "0.0.0.0" }] });
        assert.deepEqual(evaluate(open, ctx), [
            { rule: "ui-localhost", message: "lab-edge: port 3000 published on 0.0.0.0; allowed: 127.0.0.1 (a stack opens more by setting a listenAddress)" },
        ]);
        assert.deepEqual(evaluate(open, { ...ctx, listenAddresses: ["127.0.0.1", "0.0.0.0"] }), []);
        const kind = {
            type: "pulumi-nodejs:dynamic/rollout-lab:KindCluster",
            name: "lab-kind-cluster",
            props: { config: "kind: Cluster\nnodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: 30080\n        hostPort: 8080\n        listenAddress: 0.0.0.0\n" },
        };
        assert.deepEqual(rulesOf(evaluate(kind, ctx)), ["ui-localhost"]);
        assert.deepEqual(rulesOf(evaluate(service({ ...goodService, endpointSpec: { ports: [{ targetPort: 80, publishedPort: 8080 }] } }), ctx)), ["ui-localhost"]);
    });

    it("a waiver with a reason turns the finding advisory; an empty reason does not", () => {
        const privileged = { ...goodContainer, securityContext: { privileged: true } };
        assert.deepEqual(evaluate(deployment(privileged, undefined, { "policy.rollout-lab/waive-non-root": "cAdvisor reads every container's cgroups" }), ctx), [
            { rule: "non-root", message: "lab-demo/app: runs privileged", waived: "cAdvisor reads every container's cgroups" },
        ]);
        assert.deepEqual(rulesOf(evaluate(deployment(privileged, undefined, { "policy.rollout-lab/waive-non-root": " " }), ctx)), ["non-root"]);
        const rootService = service({ ...goodService, labels: [{ label: "rollout-lab.policy.waive.non-root", value: "reads the Docker socket" }], taskSpec: { ...goodService.taskSpec, containerSpec: { ...goodService.taskSpec.containerSpec, user: undefined } } });
        assert.deepEqual(rulesOf(evaluate(rootService, ctx)), ["non-root (waived)"]);
    });

    it("per stack: canary.weight among measure.steps (advisory), and config named like a secret that is not secure", () => {
        const stack = { type: "pulumi:pulumi:Stack", name: "stack", props: {} };
        assert.deepEqual(evaluate(stack, { ...ctx, strategy: "canary", canaryWeight: 30 }), [
            { rule: "canary-steps", message: "canary.weight 30 is not one of measure.steps (10, 25, 50, 100): lab rollout steps through those, and a weight between them skips its checks" },
        ]);
        assert.deepEqual(evaluate(stack, { ...ctx, strategy: "canary", canaryWeight: 25 }), []);
        assert.deepEqual(evaluate(stack, { ...ctx, strategy: "canary", canaryWeight: 0 }), []);
        assert.deepEqual(evaluate(stack, { ...ctx, plaintextConfigKeys: ["rollout-lab:apiToken"] }), [
            { rule: "no-plaintext-secret-config", message: "config rollout-lab:apiToken is named like a secret but is in plain text in the stack file (pulumi config set --secret rollout-lab:apiToken ...)" },
        ]);
        // Stack rules are not run on every resource.
        assert.deepEqual(evaluate(deployment(goodContainer), { ...ctx, strategy: "canary", canaryWeight: 30 }), []);
    });

    it("reads the stack context from PULUMI_CONFIG as the engine gives it to a pack (secure values as [secret])", () => {
        const env = {
            PULUMI_CONFIG: JSON.stringify({
                "rollout-lab:strategy": "canary",
                "rollout-lab:canary": '{"weight":30}',
                "rollout-lab:measure": '{"steps":[5,50,100]}',
                "rollout-lab:monitoring": '{"listenAddress":"0.0.0.0"}',
                "rollout-lab:dbPassword": "[secret]",
                "docker:apiToken": "plain",
            }),
        };
        assert.deepEqual(stackContext(env), { plaintextConfigKeys: ["docker:apiToken"], listenAddresses: ["127.0.0.1", "0.0.0.0"], strategy: "canary", canaryWeight: 30, steps: [5, 50, 100] });
        assert.deepEqual(stackContext({}), { plaintextConfigKeys: [], listenAddresses: ["127.0.0.1"], strategy: undefined, canaryWeight: undefined, steps: [10, 25, 50, 100] });
    });

    it("keeps its default steps equal to the lab's measure.steps default", () => {
        const parsed = labConfigSchema.parse({ candidate: { version: "v2" } });
        assert.deepEqual(DEFAULT_STEPS, parsed.measure.steps);
    });

    describe("the app's pods come and go without failed requests", () => {
        const appDeployment = (name: string, spec: Record<string, unknown>, role = "stable"): ResourceInput => ({
            type: "kubernetes:apps/v1:Deployment",
            name,
            props: {
                metadata: { name, namespace: "lab" },
                spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "demo-app", "rollout-lab/role": role, "rollout-lab/color": "blue" } }, spec } },
            },
        });
        const budget = (name: string, matchLabels: Record<string, string>, namespace = "lab"): ResourceInput => ({
            type: "kubernetes:policy/v1:PodDisruptionBudget",
            name,
            props: { metadata: { name, namespace }, spec: { maxUnavailable: 1, selector: { matchLabels } } },
        });
        const withPreStop = (seconds: number) => ({ ...goodContainer, lifecycle: { preStop: { sleep: { seconds } } } });
        const graceful = (r: ResourceInput) => evaluate(r, ctx).filter((f) => f.rule === "graceful-shutdown").map((f) => f.message);

        it("graceful-shutdown: an app container without preStop, or a grace period not longer than its sleep; others are not asked", () => {
            assert.deepEqual(graceful(appDeployment("demo-stable", { terminationGracePeriodSeconds: 30, containers: [withPreStop(5)] })), []);
            assert.deepEqual(graceful(appDeployment("demo-stable", { containers: [goodContainer] })), [
                "demo-stable/app: no preStop hook: the pod stops answering while proxies still send to it (lifecycle.preStop.sleep)",
            ]);
            assert.deepEqual(graceful(appDeployment("demo-canary", { terminationGracePeriodSeconds: 5, containers: [withPreStop(5)] }, "candidate")), [
                "demo-canary/app: terminationGracePeriodSeconds 5 is not longer than the preStop sleep of 5 s: the pod is killed before it has finished answering",
            ]);
            // No grace period set: Kubernetes' 30 s, longer than a 5 s pause.
            assert.deepEqual(graceful(appDeployment("demo-stable", { containers: [withPreStop(5)] })), []);
            // Prometheus and the other Deployments without the app's role label are not judged by it.
            assert.deepEqual(rulesOf(evaluate(deployment(goodContainer), ctx)), []);
        });

        it("disruption-budget: every app Deployment's pods selected by a budget of its namespace", () => {
            const stable = appDeployment("demo-stable", { containers: [withPreStop(5)] });
            const canary = appDeployment("demo-canary", { containers: [withPreStop(5)] }, "candidate");
            const stack = (resources: ResourceInput[]) => evaluate({ type: "pulumi:pulumi:Stack", name: "stack", props: {} }, { ...ctx, resources }).filter((f) => f.rule === "disruption-budget");
            const forStable = budget("demo-stable", { "app.kubernetes.io/name": "demo-app", "rollout-lab/role": "stable" });
            const forCanary = budget("demo-canary", { "app.kubernetes.io/name": "demo-app", "rollout-lab/role": "candidate" });
            assert.deepEqual(stack([stable, canary, forStable, forCanary]), []);
            assert.deepEqual(stack([stable, canary, forStable]).map((f) => f.message), ["demo-canary: no PodDisruptionBudget selects its pods: a drained node may take them all at once"]);
            // A budget of another namespace, or one whose selector asks for another label value, does not count.
            assert.equal(stack([stable, budget("demo-stable", { "rollout-lab/role": "stable" }, "other")]).length, 1);
            assert.equal(stack([stable, budget("demo-stable", { "rollout-lab/role": "candidate" })]).length, 1);
        });

        it("router-retries: every Traefik entry point but its own through a retry middleware, the retry file more than one attempt; other Deployments not asked", () => {
            const retries = (r: ResourceInput) => evaluate(r, ctx).filter((f) => f.rule === "router-retries").map((f) => f.message);
            const traefik = (args: string[]): ResourceInput => ({
                type: "kubernetes:apps/v1:Deployment",
                name: "traefik",
                props: { metadata: { name: "traefik" }, spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "traefik" } }, spec: { containers: [{ ...goodContainer, args }] } } } },
            });
            const own = "--entryPoints.traefik.address=:9000";
            assert.deepEqual(retries(traefik(["--entryPoints.web.address=:8000", "--entryPoints.web.http.middlewares=lab-retry@file", own])), []);
            assert.deepEqual(retries(traefik(["--entryPoints.web.address=:8000", own, "--entryPoints.alice.address=:8100", "--entryPoints.alice.http.middlewares=lab-retry@file"])), [
                "traefik: entry point web has no retry middleware: a request sent to a pod that died is lost (traefik.retry)",
            ]);
            const retryFile = (attempts: number): ResourceInput => ({ type: "kubernetes:core/v1:ConfigMap", name: "traefik-dynamic", props: { data: { "retry.yaml": `http:\n  middlewares:\n    lab-retry:\n      retry:\n        attempts: ${attempts}\n` } } });
            assert.deepEqual(retries(retryFile(3)), []);
            assert.deepEqual(retries(retryFile(1)), ["traefik-dynamic: Traefik's retry makes 1 attempt: a request sent to a pod that died is lost (traefik.retry.attempts 2 or more)"]);
            assert.deepEqual(retries(appDeployment("demo-stable", { containers: [withPreStop(5)] })), []);
        });
    });
});
