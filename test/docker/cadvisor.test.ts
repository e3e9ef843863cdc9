import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { containerCpuByVersionExpr, containerMemoryByVersionExpr, containerQueries, prometheusArgs, renderPrometheusConfig } from "../../monitoring";
import { DemoApp } from "../../app/src/server";
import { Program, freePort, startApp, tempDir, waitForPort } from "../support/localProcesses";

// The cAdvisor panels against a real cAdvisor watching real containers: two containers set up as the
// Swarm lab's tasks are (the VERSION variable, Swarm's service-name label), a real cAdvisor
// (scripts/cadvisor.sh) run with the Swarm lab's flags and a real Prometheus scraping it on 127.0.0.1.
// Needs a running Docker engine, Debian's busybox-static and prometheus, and CADVISOR_BIN; `.ci/run`
// provides them.

const image = "rollout-lab/busybox:test";
// With the variable and label a Swarm task of the lab has, and labelled as the kubelet labels a pod's
// containers (cAdvisor exposes Docker labels as container_label_*, whitelisted variables as
// container_env_*), so both platforms' queries can be checked.
const containers = [
    { name: "rollout-lab-test-v1", version: "v1", service: "rollout-lab-demo-stable", pod: "demo-stable-7d9f-abcde" },
    { name: "rollout-lab-test-v2", version: "v2", service: "rollout-lab-demo-canary", pod: "demo-canary-5c8b-fghij" },
];

function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A one-binary image from Debian's static busybox: enough for a labelled container that burns CPU. */
function ensureImage(): void {
    try {
        docker("image", "inspect", image);
        return;
    } catch {
        // Not built yet.
    }
    const root = tempDir("busybox-rootfs");
    fs.mkdirSync(path.join(root, "bin"));
    fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
    fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
    fs.symlinkSync("busybox", path.join(root, "bin", "sh"));
    execFileSync("sh", ["-c", `tar -C '${root}' -cf - . | docker import - ${image}`], { stdio: "ignore" });
    fs.rmSync(root, { recursive: true, force: true });
}

async function query(prometheus: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    assert.equal(body.status, "success", expr);
    return body.data.result;
}

describe("cAdvisor queries against a real cAdvisor and real containers", function () {
    this.timeout(180000);
    const programs: Program[] = [];
    const apps: DemoApp[] = [];
    let prometheusUrl = "";

    before(async () => {
        const cadvisorBin = process.env.CADVISOR_BIN;
        assert.ok(cadvisorBin && fs.existsSync(cadvisorBin), "CADVISOR_BIN must name the binary scripts/cadvisor.sh builds");
        docker("info");
        ensureImage();
        for (const c of containers) {
            execFileSync("docker", ["rm", "-f", c.name], { stdio: "ignore" });
            docker(
                "run", "-d", "--name", c.name, "--cpus", "0.2",
                "--env", `VERSION=${c.version}`, "--label", `com.docker.swarm.service.name=${c.service}`,
                "--label", "io.kubernetes.pod.namespace=rollout-lab", "--label", `io.kubernetes.pod.name=${c.pod}`,
                "--label", "io.kubernetes.container.name=app",
                image, "sh", "-c", "while :; do :; done",
            );
        }
        const dir = tempDir("cadvisor");
        const cadvisorPort = await freePort();
        programs.push(
            // The Swarm lab's flags (monitoring/swarmMonitoring.ts), with a shorter housekeeping interval.
            new Program(cadvisorBin!, [
                `--listen_ip=127.0.0.1`,
                `--port=${cadvisorPort}`,
                "--docker_only=true",
                "--store_container_labels=true",
                "--env_metadata_whitelist=VERSION",
                "--housekeeping_interval=1s",
            ]),
        );
        await waitForPort(cadvisorPort, 30000);
        const promPort = await freePort();
        const config = path.join(dir, "prometheus.yml");
        fs.writeFileSync(
            config,
            renderPrometheusConfig({
                platform: "static",
                // The demo app of each version, as Kubernetes discovery would label its pod's target.
                app: await Promise.all(containers.map(async (c) => ({ address: await startApp(c.version, "blue", apps), version: c.version, pod: c.pod }))),
                nodeExporter: [],
                cadvisor: [`127.0.0.1:${cadvisorPort}`],
                scrapeInterval: "1s",
                ruleFiles: [],
            }),
        );
        programs.push(
            new Program(
                "prometheus",
                prometheusArgs({ configFile: config, storagePath: path.join(dir, "data"), retention: "1h", listenAddress: `127.0.0.1:${promPort}` }),
            ),
        );
        await waitForPort(promPort, 30000);
        prometheusUrl = `http://127.0.0.1:${promPort}`;
        // A 10 s rate window needs at least two scrapes of the containers inside it.
        await new Promise((r) => setTimeout(r, 14000));
    });

    after(async () => {
        for (const c of containers) {
            execFileSync("docker", ["rm", "-f", c.name], { stdio: "ignore" });
        }
        await Promise.all(programs.map((p) => p.stop()));
        await Promise.all(apps.map((a) => a.shutdown()));
    });

    for (const platform of ["swarm", "kubernetes"] as const) {
        it(`${platform}: CPU and memory by version (the overview's cAdvisor panels) see each version's containers`, async () => {
            for (const expr of [containerCpuByVersionExpr(platform, "rollout-lab", "10s"), containerMemoryByVersionExpr(platform, "rollout-lab")]) {
                const result = await query(prometheusUrl, expr);
                const byVersion = Object.fromEntries(result.map((r) => [r.metric.version, Number(r.value[1])]));
                console.log(`        ${expr}\n          -> ${JSON.stringify(byVersion)}`);
                assert.deepEqual(Object.keys(byVersion).sort(), ["v1", "v2"]);
                for (const v of ["v1", "v2"]) {
                    const cpu = expr.includes("cpu");
                    assert.ok(cpu ? byVersion[v] > 0.1 && byVersion[v] < 0.3 : byVersion[v] > 0, `${v}: ${byVersion[v]}`);
                }
            }
        });
    }

    for (const platform of ["swarm", "kubernetes"] as const) {
        it(`${platform}: the container view's panels return each container`, async () => {
            for (const q of Object.values(containerQueries({ platform, rateWindow: "10s" }))) {
                const result = await query(prometheusUrl, q.expr);
                const who = (r: { metric: Record<string, string> }) => (platform === "swarm" ? r.metric.name : r.metric.container_label_io_kubernetes_pod_name) ?? r.metric.instance;
                console.log(`        ${q.id}  ${q.expr}\n          -> ${result.map((r) => `${who(r)}: ${Number(r.value[1]).toPrecision(4)}`).join(", ")}`);
                assert.ok(result.length > 0, `${q.id} returned no series`);
                if (q.id !== "container.count") {
                    const names = result.map(who);
                    for (const c of containers) {
                        assert.ok(names.includes(platform === "swarm" ? c.name : c.pod), `${q.id} has ${c.name}: ${names.join(", ")}`);
                    }
                }
            }
        });
    }
});
