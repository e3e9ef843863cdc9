import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { LabStack, openLabStack } from "../../tools/lab/workspace";
import { applyChange, stackOutputs } from "../../tools/lab/engine";
import { thresholdsFor } from "../../tools/lab/decision";
import { PrometheusClient, readVersionHealth } from "../../tools/lab/prometheus";
import { runRollout } from "../../tools/lab/rollout";
import { loadStackConfig } from "../../tools/lab/stackFile";
import { rolloutPlan } from "../../tools/lab/stepPlan";

// End to end on the local Docker Swarm with the real Pulumi engine: `pulumi up` a stack, probe it,
// change its weight or colour with `pulumi up`, and `pulumi destroy` it. Needs a running Docker engine,
// the Pulumi CLI and plugins on PATH (scripts/toolchain.sh) and the offline base image
// (scripts/base-image.sh); `.ci/run` provides all three. Images are built FROM E2E_BASE_IMAGE.

const baseImage = process.env.E2E_BASE_IMAGE ?? "rollout-lab/debian-base:bookworm";
const entry = "http://127.0.0.1:8080/";

function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

/** Our services, networks, configs, volumes and edge container left in the engine. */
function leftovers(): string[] {
    return [
        ...docker("service", "ls", "--format", "service {{.Name}}").split("\n"),
        ...docker("network", "ls", "--format", "network {{.Name}}").split("\n"),
        ...docker("config", "ls", "--format", "config {{.Name}}").split("\n"),
        ...docker("volume", "ls", "--format", "volume {{.Name}}").split("\n"),
        ...docker("ps", "-a", "--format", "container {{.Names}}").split("\n"),
    ].filter((l) => l.includes("rollout-lab"));
}

function log(line: string): void {
    process.stdout.write(`        ${line}\n`);
}

async function up(lab: LabStack, what: string): Promise<number> {
    const t0 = Date.now();
    const result = await lab.stack.up({ onOutput: (o) => process.env.E2E_VERBOSE && process.stdout.write(o) });
    const took = (Date.now() - t0) / 1000;
    log(`pulumi up (${what}): ${result.summary.result} in ${took.toFixed(1)} s, ${JSON.stringify(result.summary.resourceChanges)}`);
    assert.equal(result.summary.result, "succeeded");
    return took;
}

/** Probes while `change` runs (marked when it starts), then a few seconds more. */
async function probeAround(change: () => Promise<unknown>, seconds = 60, headers?: Record<string, string>): Promise<ProbeSummary> {
    const probe = new Probe({ url: entry, ratePerSecond: 100, durationS: seconds, timeoutMs: 2000, maxInFlight: 200, headers });
    const running = probe.run();
    await new Promise((r) => setTimeout(r, 3000));
    probe.mark();
    await change();
    await new Promise((r) => setTimeout(r, 4000));
    probe.stop();
    const summary = await running;
    log(`probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}, versions ${JSON.stringify(summary.versions)}, change ${JSON.stringify(summary.change)}`);
    return summary;
}

async function sample(count: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
        const res = await fetch(entry);
        const key = res.status === 200 ? ((await res.json()) as { version: string }).version : `status ${res.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

describe("Swarm lab end to end (real engine, local Swarm)", function () {
    this.timeout(20 * 60 * 1000);
    // Monitoring's images (Prometheus, Grafana, cAdvisor) come from registries this machine cannot reach;
    // the real Prometheus is covered by test/real/prometheus.test.ts instead.
    const overrides = {
        "rollout-lab:app.baseImage": baseImage,
        "rollout-lab:swarm.edgeBaseImage": baseImage,
        "rollout-lab:monitoring.enabled": process.env.E2E_MONITORING ?? "false",
    };

    before(() => {
        assert.deepEqual(leftovers(), [], "start from an engine with nothing of the lab's");
    });

    async function withStack(stack: string, body: (lab: LabStack) => Promise<void>): Promise<void> {
        const lab = await openLabStack({ stack, config: overrides });
        try {
            await body(lab);
        } finally {
            const t0 = Date.now();
            const result = await lab.stack.destroy({});
            log(`pulumi destroy: ${result.summary.result} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
            assert.deepEqual(leftovers(), [], "pulumi destroy leaves no service, network, config, volume or container");
        }
    }

    it("swarm-canary: a weight change with `pulumi up` loses no request and is live when up returns", async () => {
        await withStack("swarm-canary", async (lab) => {
            await up(lab, "weight 10");
            const at10 = await sample(1000);
            log(`weight 10: ${JSON.stringify(at10)}`);
            assert.ok(Math.abs((at10.v2 ?? 0) / 10 - 10) <= 3, JSON.stringify(at10));
            let upTook = 0;
            const summary = await probeAround(async () => {
                await lab.stack.setConfig("rollout-lab:canary.weight", { value: "50" }, true);
                upTook = await up(lab, "weight 10 -> 50");
            });
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            const at50 = await sample(1000);
            log(`weight 50 right after up: ${JSON.stringify(at50)} (up took ${upTook.toFixed(1)} s)`);
            assert.ok(Math.abs((at50.v2 ?? 0) / 10 - 50) <= 5, JSON.stringify(at50));
        });
    });

    it("swarm-bluegreen: a colour switch with `pulumi up` loses no request; no v1 answer after up returns", async () => {
        await withStack("swarm-bluegreen", async (lab) => {
            await up(lab, "blue live");
            assert.deepEqual(await sample(200), { v1: 200 });
            const summary = await probeAround(async () => {
                await lab.stack.setConfig("rollout-lab:bluegreen.activeColor", { value: "green" }, true);
                await up(lab, "blue -> green");
            });
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(await sample(200), { v2: 200 });
            assert.ok(summary.change?.timeToLastOldS !== null);
        });
    });

    it("swarm-recreate: releasing the candidate drops requests (the downtime window)", async () => {
        await withStack("swarm-recreate", async (lab) => {
            await up(lab, "v1");
            const summary = await probeAround(async () => {
                await lab.stack.setConfig("rollout-lab:release", { value: "candidate" });
                await up(lab, "recreate v1 -> v2");
            }, 120);
            assert.ok(summary.failed > 0, "recreate has a window with no task");
            log(`recreate error window: ${JSON.stringify(summary.errorWindow)}`);
            assert.deepEqual(await sample(100), { v2: 100 });
        });
    });

    // lab rollout end to end: needs monitoring (Prometheus reads the candidate), so its images too.
    for (const [what, candidate, outcome] of [
        ["promotes a healthy candidate", {}, "promoted"],
        ["rolls a bad candidate (30% errors) back on its own", { "rollout-lab:candidate.errorRate": "0.3" }, "rolled-back"],
    ] as const) {
        it(`lab rollout swarm-canary ${what}`, async () => {
            const lab = await openLabStack({ stack: "swarm-canary", config: { ...overrides, "rollout-lab:monitoring.enabled": "true", ...candidate } });
            try {
                await up(lab, "weight 10");
                const outputs = await stackOutputs(lab.stack);
                const config = loadStackConfig("swarm-canary", undefined, candidate);
                const plan = rolloutPlan(config, [10, 50, 100]);
                const prom = new PrometheusClient(String(outputs.prometheusUrl));
                const probe = new Probe({ url: entry, ratePerSecond: 40, durationS: 900, timeoutMs: 2000, maxInFlight: 200 });
                const running = probe.run();
                const result = await runRollout({
                    plan,
                    thresholds: thresholdsFor(config, 20),
                    stepWaitS: 30,
                    pollS: 5,
                    target: { apply: async (change, label) => void (await applyChange(lab.stack, change, label, true)) },
                    health: (w) => readVersionHealth(prom, plan.candidateVersion, w),
                });
                probe.stop();
                const summary = await running;
                log(`rollout: ${result.outcome} ${result.reasons.join("; ")}; probe ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}`);
                assert.equal(result.outcome, outcome);
                if (outcome === "rolled-back") {
                    assert.equal(result.failedStep?.share, 10);
                    assert.deepEqual(await sample(200), { v1: 200 }, "after the rollback every request goes to v1");
                } else {
                    assert.equal(summary.failed, 0);
                    assert.deepEqual(await sample(200), { v2: 200 });
                }
            } finally {
                await lab.stack.destroy({});
            }
        });
    }
});

