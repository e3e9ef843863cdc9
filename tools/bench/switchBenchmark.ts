// Benchmark: a blue -> green switch under the same steady load, done two ways on the same Swarm:
//   lab:      `pulumi up` after setting bluegreen.activeColor (HAProxy's runtime API, no restart)
//   original: the source lab's method: build a new HAProxy image with the green haproxy.cfg, then
//             `docker service update --image` the proxy service
// Prints, for each: seconds from command to done (the command returned and the new colour answers), the
// first new-colour and the last old-colour answer after the command, failed requests, the error window,
// and the ratio; and how much of the lab's time is the engine and how much the edge change itself
// (edge-apply run on its own inside the edge container, the same input `pulumi up` gives it).
// Needs what the e2e test needs (Docker engine in Swarm mode or able to be, the Pulumi CLI and plugins,
// the offline base image). Run: npm run bench:switch -- [--rate 100]
import { execFile, execFileSync, spawnSync } from "child_process";
import { promisify } from "util";
import { Command } from "commander";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Probe } from "../probe/probe";
import { ProbeSummary } from "../probe/summary";
import { openLabStack } from "../lib/workspace";
import { loadStackConfig } from "../lib/stackFile";
import { routingFor } from "../../components/plan";
import { edgeApplyInput, routingStateFor } from "../../components/routers/haproxy/haproxyConfig";

const originalPort = 8081;
const originalService = "rollout-lab-orig-proxy";

function docker(args: string[], input?: string): string {
    return execFileSync("docker", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] }).trim();
}

/** The source lab's haproxy.cfg, one colour at a time (tasks found through DNS: this engine has no VIPs). */
function originalConfig(color: "blue" | "green"): string {
    return [
        "global",
        "    log stdout format raw local0 notice",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "resolvers docker",
        "    nameserver dns 127.0.0.11:53",
        "    hold valid 1s",
        "frontend main",
        "    bind *:80",
        `    default_backend ${color}_backend`,
        `backend ${color}_backend`,
        "    balance roundrobin",
        `    server-template web_${color} 10 tasks.rollout-lab-demo-${color}:8080 check resolvers docker init-addr none`,
        "",
    ].join("\n");
}

/** docker, without blocking the event loop: the probe must keep its schedule while the seed's steps run. */
async function dockerAsync(args: string[]): Promise<void> {
    await promisify(execFile)("docker", args, { maxBuffer: 64 * 1024 * 1024 });
}

async function buildOriginalImage(color: "blue" | "green", baseImage: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-orig-"));
    fs.writeFileSync(path.join(dir, "haproxy.cfg"), originalConfig(color));
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        [
            `FROM ${baseImage}`,
            "RUN apt-get update && apt-get install -y --no-install-recommends haproxy && rm -rf /var/lib/apt/lists/*",
            "COPY haproxy.cfg /usr/local/etc/haproxy/haproxy.cfg",
            'CMD ["haproxy", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]',
            "",
        ].join("\n"),
    );
    // --no-cache: the source lab rebuilt its proxy image from scratch for every change.
    try {
        await dockerAsync(["build", "--no-cache", "-q", "-t", `rollout-lab/orig-proxy:${color}`, dir]);
    } catch (e) {
        throw new Error(`docker build of the original proxy failed: ${(e as { stderr?: string }).stderr ?? String(e)}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Polls until `url` answers `version`, for at most `timeoutS` seconds; false if it never did. */
async function waitForVersion(url: string, version: string, timeoutS: number): Promise<boolean> {
    const until = Date.now() + timeoutS * 1000;
    while (Date.now() < until) {
        try {
            const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
            if (res.status === 200 && ((await res.json()) as { version?: string }).version === version) {
                return true;
            }
        } catch {
            // Not answering yet: keep polling.
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return false;
}

/**
 * Runs `change` under a steady load; "done" is when the command returned and the new version answers
 * (a command can return before its change serves: e.g. a proxy task that cannot bind its port yet).
 */
async function underLoad(url: string, rate: number, change: () => Promise<void>): Promise<{ seconds: number; switched: boolean; summary: ProbeSummary }> {
    // Both sides must be serving blue before the measurement starts, or the figures mean nothing.
    if (!(await waitForVersion(url, "v1", 120))) {
        throw new Error(`${url} does not answer v1 (blue) after 120 s: cannot measure its switch`);
    }
    const probe = new Probe({ url, ratePerSecond: rate, durationS: 600, timeoutMs: 2000, maxInFlight: 400, oldVersion: "v1", onSecond: process.env.BENCH_VERBOSE ? (l) => console.log(`  ${url} ${l}`) : undefined });
    const running = probe.run();
    await new Promise((r) => setTimeout(r, 3000));
    probe.mark();
    const t0 = Date.now();
    await change();
    const switched = await waitForVersion(url, "v2", 180);
    const seconds = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 5000));
    probe.stop();
    return { seconds, switched, summary: await running };
}

/** Seconds after the command started, from the probe's own clock. */
function sinceCommand(s: ProbeSummary, atS: number | null | undefined): string {
    return atS === null || atS === undefined || s.change === null ? "-" : `${(atS - s.change.markedAtS).toFixed(1)} s`;
}

function report(name: string, r: { seconds: number; switched: boolean; summary: ProbeSummary }): void {
    const s = r.summary;
    const done = r.switched ? `${r.seconds.toFixed(1).padStart(6)} s` : `not switched after ${r.seconds.toFixed(0)} s`;
    console.log(
        `${name.padEnd(9)} command to done ${done}   first green answer ${sinceCommand(s, s.change?.firstNewVersionAtS).padStart(7)}` +
            `   last blue answer ${sinceCommand(s, s.change?.lastOldVersionAtS).padStart(7)}` +
            `   failed ${String(s.failed).padStart(5)} of ${s.requests} ${JSON.stringify(s.failures)}` +
            `   error window ${s.errorWindow ? `${s.errorWindow.durationS} s` : "none"}`,
    );
}

/** edge-apply alone, `runs` times, with the input the program computes for green: the edge's own share. */
function timeEdgeApply(runs: number): number[] {
    const input = edgeApplyInput(routingStateFor(routingFor(loadStackConfig("swarm-bluegreen", undefined, { "rollout-lab:bluegreen.activeColor": "green" }))));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        docker(["exec", "-i", "rollout-lab-edge", "edge-apply"], input);
        times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
    const opts = new Command()
        .name("bench-switch")
        .option("--rate <perSecond>", "steady request rate", (v) => Number(v), 100)
        .option("--base-image <image>", "base image for every image built", process.env.E2E_BASE_IMAGE ?? "rollout-lab/debian-base:bookworm")
        .parse(process.argv)
        .opts<{ rate: number; baseImage: string }>();

    console.log(`bringing up swarm-bluegreen (blue live) with the lab...`);
    const lab = await openLabStack({
        stack: "swarm-bluegreen",
        config: {
            "rollout-lab:app.baseImage": opts.baseImage,
            "rollout-lab:swarm.edgeBaseImage": opts.baseImage,
            "rollout-lab:monitoring.enabled": "false",
        },
    });
    try {
        await lab.stack.up({});
        console.log(`starting the original proxy service on :${originalPort} (blue)...`);
        await buildOriginalImage("blue", opts.baseImage);
        docker([
            "service", "create", "--name", originalService, "--network", "rollout-lab-app",
            "--publish", `mode=host,published=${originalPort},target=80`, "--endpoint-mode", "dnsrr",
            "--detach=false", "-q", "rollout-lab/orig-proxy:blue",
        ]);

        console.log(`switching blue -> green under ${opts.rate} requests/s, each way...`);
        const labRun = await underLoad("http://127.0.0.1:8080/", opts.rate, async () => {
            await lab.stack.setConfig("rollout-lab:bluegreen.activeColor", { value: "green" }, true);
            await lab.stack.up({});
        });
        const originalRun = await underLoad(`http://127.0.0.1:${originalPort}/`, opts.rate, async () => {
            await buildOriginalImage("green", opts.baseImage);
            await dockerAsync(["service", "update", "--detach=false", "-q", "--image", "rollout-lab/orig-proxy:green", originalService]);
        });

        const edge = timeEdgeApply(5);
        const edgeMedian = edge[Math.floor(edge.length / 2)];
        console.log("");
        report("lab", labRun);
        report("original", originalRun);
        console.log(
            `ratio (original / lab): time ${(originalRun.seconds / labRun.seconds).toFixed(1)}x, ` +
                `failed requests ${originalRun.summary.failed} vs ${labRun.summary.failed}`,
        );
        console.log(
            `lab's ${labRun.seconds.toFixed(1)} s: the edge change itself (edge-apply, median of ${edge.length}: ` +
                `${edge.map((t) => t.toFixed(2)).join(", ")} s) ${edgeMedian.toFixed(2)} s; the engine and the rest of pulumi up ` +
                `${(labRun.seconds - edgeMedian).toFixed(1)} s`,
        );
    } finally {
        spawnSync("docker", ["service", "rm", originalService], { stdio: "ignore" });
        // `service rm` returns before Swarm has removed the tasks' containers: wait for them (up to 60 s),
        // so the images can go and the next user of the engine finds nothing of the bench's.
        const tasksLeft = () =>
            spawnSync("docker", ["ps", "-aq", "--filter", `label=com.docker.swarm.service.name=${originalService}`], { encoding: "utf8" }).stdout.trim();
        for (let i = 0; i < 60 && tasksLeft() !== ""; i++) {
            spawnSync("sleep", ["1"]);
        }
        if (tasksLeft() !== "") console.error(`bench-switch: ${originalService}'s task containers are still there after 60 s`);
        spawnSync("docker", ["image", "rm", "rollout-lab/orig-proxy:blue", "rollout-lab/orig-proxy:green"], { stdio: "ignore" });
        await lab.stack.destroy({});
        lab.remove();
    }
}

main().catch((e: unknown) => {
    console.error(`bench-switch: ${(e as Error).message}`);
    process.exit(1);
});
