import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, findResource, findResources, repoRoot, runProgram, stackConfig } from "./pulumiHarness";
import { EDGE_ROUTING, LOCAL_IMAGE, SWARM_MODE, SWARM_ROLLOUT, isSecret } from "./expectations";
import { expectationFor } from "./stackExpectations";

export const SERVICE_SWARM = "docker:index/service:Service";
export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";

const prefix = "rollout-lab";

/** A monitoring healthcheck's tests: wget where the image has it (upstream's), else bash's /dev/tcp (the local builds). */
const httpCheck = (url: string, bashLine: string) => [
    "CMD",
    "sh",
    "-c",
    'if command -v wget >/dev/null 2>&1; then exec wget -q -O /dev/null "$1"; else exec bash -c "$2"; fi',
    "http-check",
    url,
    bashLine,
];

/** The app's services (monitoring's exporters are services too). */
function appServices(run: ProgramRun) {
    return findResources(run, SERVICE_SWARM).filter((s) => !s.name.startsWith("lab-monitoring"));
}

function edgeContainer(run: ProgramRun) {
    return findResource(run, CONTAINER, "lab-edge-container");
}

function edgeFile(run: ProgramRun): string {
    const uploads = edgeContainer(run).inputs.uploads as { file: string; content: string }[];
    assert.equal(uploads.length, 1);
    return uploads[0].content;
}

function applyInput(run: ProgramRun): string {
    return findResource(run, EDGE_ROUTING, "lab-edge-apply").inputs.routing ?? "";
}

/** The assertions every Swarm stack file must pass, read against the stack's own settings. */
export function describeSwarmStack(stack: string): void {
    describe(stack, () => {
        let run: ProgramRun;
        const expectation = expectationFor(stack);
        const expected = expectation.swarm!;
        before(async () => {
            run = await runProgram(stackConfig(stack), stack);
        });

        it("says where requests go: the releases, their replicas and shares, and the edge", () => {
            assert.deepEqual(run.outputs.routing, expectation.routing);
        });

        it("turns Swarm mode on if needed, on an attachable overlay network, and registers no Kubernetes object", () => {
            const swarm = findResource(run, SWARM_MODE, "lab-swarm");
            assert.equal(swarm.inputs.advertiseAddr, "127.0.0.1");
            const net = findResource(run, NETWORK, "lab-app-net");
            assert.deepEqual([net.inputs.name, net.inputs.driver, net.inputs.attachable], [`${prefix}-app`, "overlay", true]);
            assert.deepEqual(run.resources.filter((r) => r.type.startsWith("kubernetes:")), []);
        });

        it("runs each release as a replicated service found through DNS, hardened and health-checked", () => {
            const services = appServices(run);
            const label = (s: (typeof services)[number], name: string) => (s.inputs.labels as { label: string; value: string }[]).find((l) => l.label === name)?.value;
            assert.deepEqual(
                services.map((s) => [s.inputs.name, s.inputs.mode.replicated.replicas, s.inputs.taskSpec.containerSpec.env.VERSION, s.inputs.taskSpec.containerSpec.env.APP_COLOR, label(s, "rollout-lab.role")]),
                expected.services,
            );
            for (const s of services) {
                assert.equal(label(s, "rollout-lab.version"), s.inputs.taskSpec.containerSpec.env.VERSION);
                assert.equal(label(s, "rollout-lab.color"), s.inputs.taskSpec.containerSpec.env.APP_COLOR);
            }
            for (const s of services) {
                const spec = s.inputs.taskSpec.containerSpec;
                assert.deepEqual(s.inputs.endpointSpec, { mode: "dnsrr" });
                assert.match(spec.image, /^rollout-lab\/demo-app:v\d$/);
                assert.equal(spec.readOnly, true);
                assert.equal(spec.user, "10001:10001");
                assert.equal(spec.stopGracePeriod, "30s");
                assert.equal(spec.env.DRAIN_DELAY_MS, "3000", "keeps answering while the edge's checks drop it");
                // A cheap check (bash's /dev/tcp, no Node.js start-up) with room for a busy machine.
                assert.deepEqual(spec.healthcheck, {
                    tests: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`],
                    interval: "2s",
                    timeout: "3s",
                    retries: 3,
                    startPeriod: "2s",
                });
                assert.deepEqual(s.inputs.taskSpec.resources.limits, { nanoCpus: 500000000, memoryBytes: 134217728 });
                assert.equal(s.inputs.taskSpec.networksAdvanceds.length, 1);
                assert.deepEqual(Object.keys(s.inputs.taskSpec.networksAdvanceds[0]), ["id"], "the network by id: a name makes the provider replace the Service");
                // Container labels are replace-on-change in the docker provider: a release would recreate
                // the Service instead of updating it. The version travels in VERSION only.
                assert.equal(spec.labels, undefined);
                // Swarm reads the restart policy back with window 0s and maxAttempts 0; leaving them out
                // made every `pulumi up` plan an update that rolled every task.
                assert.deepEqual(s.inputs.taskSpec.restartPolicy, { condition: "any", delay: "2s", maxAttempts: 0, window: "0s" });
            }
        });

        it("waits, after each service, until Swarm has rolled every task to the new spec", () => {
            for (const s of appServices(run)) {
                const wait = findResource(run, SWARM_ROLLOUT, `${s.name}-rollout`);
                // Runs again only when what the tasks run changes: image, environment, replicas.
                const e = s.inputs.taskSpec.containerSpec.env;
                assert.deepEqual(
                    [wait.inputs.serviceName, wait.inputs.image, wait.inputs.env, wait.inputs.replicas, wait.inputs.timeoutSeconds],
                    [s.inputs.name, s.inputs.taskSpec.containerSpec.image, { VERSION: e.VERSION, APP_COLOR: e.APP_COLOR, PORT: "8080", READY_DELAY_MS: e.READY_DELAY_MS, ERROR_RATE: e.ERROR_RATE, LATENCY_MS: e.LATENCY_MS, DRAIN_DELAY_MS: "3000" }, s.inputs.mode.replicated.replicas, 600],
                );
            }
        });

        it("replaces tasks the way its strategy says", () => {
            for (const s of appServices(run)) {
                assert.deepEqual(s.inputs.updateConfig, expected.updateConfig, s.inputs.name);
            }
        });

        it("builds its images locally and publishes the edge on 127.0.0.1 only", () => {
            const images = findResources(run, LOCAL_IMAGE);
            assert.deepEqual(images.map((i) => i.inputs.imageName.split(":")[0]).sort(), [
                "rollout-lab/demo-app",
                "rollout-lab/demo-app",
                `rollout-lab/edge-${expectation.routing.edge!.kind}`,
            ]);
            assert.match(images.find((i) => i.inputs.imageName.includes("edge"))!.inputs.imageName, /:[0-9a-f]{12}$/);
            const edge = edgeContainer(run);
            assert.deepEqual(edge.inputs.ports, [
                { internal: 80, external: 8080, ip: "127.0.0.1" },
                { internal: 8404, external: 8404, ip: "127.0.0.1" },
            ]);
            // The state volume is named by the uid that owns it: an edge that ran as root left one it cannot write.
            assert.deepEqual(findResources(run, VOLUME).map((v) => v.inputs.name).sort(), [`${prefix}-edge-state-10002`, `${prefix}-prometheus-data`]);
            const apply = findResource(run, EDGE_ROUTING, "lab-edge-apply");
            assert.deepEqual([apply.inputs.containerName, apply.inputs.containerId], [`${prefix}-edge`, "lab-edge-container-id"]);
            assert.equal(run.outputs.entryUrl, "http://127.0.0.1:8080");
        });

        it("runs the edge as its image's user, health-checked on its stats listener, with memory and CPU limits", () => {
            const edge = edgeContainer(run);
            const kind = expectation.routing.edge!.kind;
            assert.equal(edge.inputs.user, "10002:10002");
            assert.ok(fs.readFileSync(path.join(repoRoot, "edge", kind, "Dockerfile"), "utf8").includes("\nUSER 10002:10002\n"), "the image's USER is the container's");
            // Port 80 without root, in the container's own network namespace.
            assert.deepEqual(edge.inputs.sysctls, { "net.ipv4.ip_unprivileged_port_start": "0" });
            const statsPath = kind === "haproxy" ? "/stats" : "/nginx_status";
            assert.deepEqual(edge.inputs.healthcheck, {
                tests: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/8404 && printf 'GET ${statsPath} HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`],
                interval: "5s",
                timeout: "3s",
                retries: 3,
                startPeriod: "5s",
            });
            // As the provider reads them back: swap held to the memory, CPUs as "1.0".
            assert.deepEqual([edge.inputs.memory, edge.inputs.memorySwap, edge.inputs.memoryReservation, edge.inputs.cpus], [256, 256, 64, "1.0"]);
        });

        it("monitors the app: exporters on every node, Prometheus and Grafana on 127.0.0.1", () => {
            const exporters = findResources(run, SERVICE_SWARM).filter((s) => s.name.startsWith("lab-monitoring"));
            assert.deepEqual(exporters.map((e) => [e.inputs.name, e.inputs.mode]), [
                [`${prefix}-node-exporter`, { global: true }],
                [`${prefix}-cadvisor`, { global: true }],
            ]);
            const [nodeExporter, cadvisor] = exporters.map((e) => e.inputs);
            assert.deepEqual(nodeExporter.taskSpec.containerSpec.user, "65534:65534");
            assert.deepEqual(nodeExporter.taskSpec.containerSpec.healthcheck, {
                tests: httpCheck("http://127.0.0.1:9100/", `exec 3<>/dev/tcp/127.0.0.1/9100 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`),
                interval: "10s",
                timeout: "3s",
                retries: 3,
                startPeriod: "10s",
            });
            assert.deepEqual(nodeExporter.taskSpec.resources, {
                limits: { nanoCpus: 300000000, memoryBytes: 268435456 },
                reservation: { nanoCpus: 20000000, memoryBytes: 33554432 },
            });
            assert.equal(nodeExporter.labels, undefined);
            // cAdvisor stays root, and says why where the policy pack reads it: a label on the Service.
            assert.equal(cadvisor.taskSpec.containerSpec.user, undefined);
            assert.deepEqual(cadvisor.labels, [
                {
                    label: "rollout-lab.policy.waive.non-root",
                    value: "cAdvisor asks the Docker API on /var/run/docker.sock (root:docker, 0660) and reads each container's layers under /var/lib/docker (root only, 0710); it runs as root, as upstream's image does",
                },
            ]);
            assert.equal(cadvisor.taskSpec.containerSpec.labels, undefined, "a container label would make the provider replace the Service");
            assert.deepEqual(cadvisor.taskSpec.containerSpec.healthcheck.tests, httpCheck(
                "http://127.0.0.1:8080/healthz",
                `exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`,
            ));
            assert.deepEqual(cadvisor.taskSpec.resources, {
                limits: { nanoCpus: 300000000, memoryBytes: 268435456 },
                reservation: { nanoCpus: 50000000, memoryBytes: 67108864 },
            });
            for (const e of [nodeExporter, cadvisor]) {
                assert.deepEqual(e.taskSpec.restartPolicy, { condition: "any", delay: "5s", maxAttempts: 0, window: "0s" });
            }

            const prometheus = findResource(run, CONTAINER, "lab-monitoring-prometheus");
            assert.deepEqual(prometheus.inputs.ports, [{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
            assert.equal(prometheus.inputs.networksAdvanced.length, 2, "monitoring and app networks");
            assert.equal(prometheus.inputs.user, "65534:65534");
            assert.deepEqual(prometheus.inputs.healthcheck, {
                tests: httpCheck("http://127.0.0.1:9090/-/ready", `exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /-/ready HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`),
                interval: "10s",
                timeout: "3s",
                retries: 3,
                startPeriod: "30s",
            });
            assert.deepEqual([prometheus.inputs.memory, prometheus.inputs.memorySwap, prometheus.inputs.memoryReservation, prometheus.inputs.cpus], [1024, 1024, 256, "1.0"]);
            const promYml = prometheus.inputs.uploads.find((u: { file: string }) => u.file === "/etc/prometheus/prometheus.yml").content as string;
            for (const s of appServices(run)) {
                assert.ok(promYml.includes(`tasks.${s.inputs.name}`), `Prometheus finds ${s.inputs.name}`);
            }
            assert.ok(promYml.includes(`tasks.${prefix}-node-exporter`) && promYml.includes(`tasks.${prefix}-cadvisor`));
            const grafana = findResource(run, CONTAINER, "lab-monitoring-grafana");
            assert.deepEqual(grafana.inputs.ports, [{ internal: 3000, external: 3000, ip: "127.0.0.1" }]);
            // The password is not in the environment (docker inspect shows that): Grafana reads it from a
            // file, uploaded as a secret, in transit and in the state.
            assert.ok(!isSecret(grafana.inputs.envs));
            assert.deepEqual((grafana.inputs.envs as string[]).filter((e) => /PASSWORD/.test(e)), ["GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin-password"]);
            assert.ok(isSecret(grafana.inputs.uploads));
            const uploads = grafana.inputs.uploads.value as { file: string; content: string }[];
            assert.deepEqual(uploads[0], { file: "/run/secrets/grafana-admin-password", content: "x".repeat(24) });
            assert.equal(uploads.filter((u) => u.file.endsWith(".json")).length, 3);
            assert.equal(grafana.inputs.user, "472");
            assert.deepEqual(grafana.inputs.healthcheck, {
                tests: httpCheck("http://127.0.0.1:3000/api/health", `exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /api/health HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`),
                interval: "10s",
                timeout: "3s",
                retries: 3,
                startPeriod: "30s",
            });
            assert.deepEqual([grafana.inputs.memory, grafana.inputs.memorySwap, grafana.inputs.memoryReservation, grafana.inputs.cpus], [512, 512, 128, "0.5"]);
            assert.equal(run.outputs.grafanaUrl, "http://127.0.0.1:3000");
        });

        it("generates the edge's routing exactly as written down for the stack", () => {
            const file = edgeFile(run);
            const input = applyInput(run);
            if (expected.edgeFrontend !== undefined) {
                const start = file.indexOf("frontend web\n");
                const frontend = file.slice(start, file.indexOf("\n\n", start) + 1);
                assert.equal(frontend, expected.edgeFrontend);
                assert.equal(input, expected.applyInput);
                for (const [name, servers] of appServices(run).map((s, i) => [s.inputs.name, i === 0 ? "stable" : "candidate"])) {
                    assert.ok(file.includes(`server-template ${servers} 10 tasks.${name}:8080 check`), `the edge reaches ${name}`);
                }
                return;
            }
            // NGINX: the container starts copying everything; edge-apply brings the stack's sampling.
            assert.match(file, /mirror \/_shadow;/);
            assert.match(file, /split_clients "\$\{request_id\}" \$shadow_copy \{\n {8}\* 1;/);
            for (const line of expected.nginxLines!) {
                assert.ok(input.split("\n").includes(line), `edge-apply gets: ${line}`);
            }
        });
    });
}
