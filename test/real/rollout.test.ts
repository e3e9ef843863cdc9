import { strict as assert } from "assert";
import * as fs from "fs";
import { DemoApp } from "../../app/src/server";
import { routingFor } from "../../components/plan";
import { routingStateFor } from "../../components/routers/haproxy/haproxyConfig";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { PrometheusClient, readVersionHealth } from "../../tools/lib/prometheus";
import { RolloutEvent, RolloutResult, runRollout } from "../../tools/lab/rollout/rollout";
import { loadStackConfig } from "../../tools/lib/stackFile";
import { ConfigChange, rolloutPlan } from "../../components/plan";
import { HaproxyEdge, startHaproxyEdge } from "../support/haproxyEdge";
import { Program, startApp, tempDir } from "../support/localProcesses";
import { requireProgram, startPrometheus, waitAllTargetsUp } from "../support/prometheusServer";

// `lab rollout`'s loop run against real components on 127.0.0.1: the real HAProxy edge with the
// program's configuration, real demo apps (a healthy v2 and a bad v3 that fails 30% of its requests),
// a real Prometheus scraping them every second, and the lab's probe sending steady traffic through the
// edge. Each step is applied by the real edge-apply.sh with the input the Swarm program computes for the
// stepped config (haproxyEdgeFiles -> edgeApplyInput(routingStateFor(routing))) — what the program's
// edge-apply command does on `pulumi up`. The Pulumi engine itself is not in this loop (its docker and
// command providers cannot be had here); the decision reads the candidate alerts' expressions from
// Prometheus, exactly as the CLI does.

const stepWaitS = 10;
const thresholds = { errorRatio: 0.05, p95LatencySeconds: 0.5, minRequests: 20 };
const rate = 40;

describe("lab rollout on real components (HAProxy, Prometheus, demo apps, probe)", function () {
    this.timeout(180_000);
    const apps: DemoApp[] = [];
    const programs: Program[] = [];
    const edges: HaproxyEdge[] = [];
    let dir: string | undefined;
    let prom: PrometheusClient;
    let stable: string[];
    const candidates: Record<string, string> = {};

    before(async function () {
        this.timeout(60_000);
        for (const p of ["prometheus", "promtool", "haproxy", "socat"]) {
            requireProgram(p);
        }
        dir = tempDir("rollout");
        stable = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
        candidates.v2 = await startApp("v2", "green", apps, {});
        candidates.v3 = await startApp("v3", "green", apps, { errorRate: 0.3 });
        const server = await startPrometheus(dir, {
            app: [...stable.map((address) => ({ address, version: "v1" })), ...Object.entries(candidates).map(([version, address]) => ({ address, version }))],
            nodeExporter: [],
            scrapeInterval: "1s",
            ruleFiles: [],
        });
        programs.push(server.program);
        prom = new PrometheusClient(server.api);
        await waitAllTargetsUp(server.api, 5);
    });

    after(async () => {
        for (const e of edges) {
            await e.stop();
        }
        for (const p of programs) {
            await p.stop();
        }
        await Promise.all(apps.map((a) => a.shutdown()));
        if (dir !== undefined) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    /** The swarm-canary stack with `version` as its candidate, rolled out through `steps` under load. */
    async function rollout(version: string, steps: number[]): Promise<{ result: RolloutResult; applied: string[]; probe: ProbeSummary; events: RolloutEvent[] }> {
        const edge = await startHaproxyEdge("split", stable, [candidates[version]]);
        edges.push(edge);
        const candidateChange = { "rollout-lab:candidate.version": version };
        const plan = rolloutPlan(loadStackConfig("swarm-canary", undefined, candidateChange), steps);
        assert.equal(plan.candidateVersion, version);
        let current: ConfigChange = { ...candidateChange, ...plan.rollback.change };
        // What the Swarm program's edge-apply command is given for the stack at this config.
        const applyCurrent = () => edge.apply(routingStateFor(routingFor(loadStackConfig("swarm-canary", undefined, current))));
        await applyCurrent();

        const probe = new Probe({ url: edge.url, ratePerSecond: rate, durationS: 120, timeoutMs: 2000, maxInFlight: 64 });
        const running = probe.run();
        const applied: string[] = [];
        const events: RolloutEvent[] = [];
        try {
            const result = await runRollout({
                plan,
                thresholds,
                stepWaitS,
                pollS: 2,
                target: {
                    apply: async (change, label) => {
                        current = { ...current, ...change };
                        applied.push(label);
                        await applyCurrent();
                    },
                },
                health: (windowS) => readVersionHealth(prom, version, windowS),
                onEvent: (e) => events.push(e),
            });
            // A few seconds after the last change: what users got once it had settled.
            await new Promise((r) => setTimeout(r, 3000));
            return { result, applied, probe: (probe.stop(), await running), events };
        } finally {
            probe.stop();
            await running;
        }
    }

    it("promotes a healthy candidate step by step (10, 50, 100), judged on Prometheus's figures", async () => {
        const { result, applied, probe, events } = await rollout("v2", [10, 50, 100]);
        assert.equal(result.outcome, "promoted", JSON.stringify(result.reasons));
        assert.deepEqual(applied, ["weight 10%", "weight 50%", "weight 100%"]);
        for (const s of result.steps) {
            assert.equal(s.verdict.action, "promote");
            assert.ok((s.health?.requests ?? 0) >= thresholds.minRequests, JSON.stringify(s.health));
            assert.ok(s.health!.errorRatio === 0, JSON.stringify(s.health));
            assert.ok(s.health!.p95LatencySeconds! < thresholds.p95LatencySeconds, JSON.stringify(s.health));
        }
        // At weight 10 the candidate got about a tenth of the step's traffic; at 100 all of it.
        const requestsAt = result.steps.map((s) => Math.round(s.health!.requests!));
        assert.ok(requestsAt[0] < requestsAt[1] && requestsAt[1] < requestsAt[2], `candidate requests per step ${requestsAt}`);
        assert.equal(probe.failed, 0, JSON.stringify(probe.failures));
        const waits = events.filter((e) => e.kind === "check" && e.verdict.action === "wait").length;
        console.log(
            `        promoted in ${(result.steps.at(-1)!.decidedAtMs / 1000).toFixed(1)} s; v2 requests per step ${requestsAt.join("/")}; ` +
                `${probe.requests} probe requests, ${probe.failed} failed; v2 answered ${(100 * (probe.versions.v2?.share ?? 0)).toFixed(1)}%; ${waits} interim checks`,
        );
    });

    it("rolls a bad candidate (30% errors) back on its own at the first step, and counts what users lost", async () => {
        const { result, applied, probe } = await rollout("v3", [10, 50, 100]);
        assert.equal(result.outcome, "rolled-back");
        assert.equal(result.failedStep?.share, 10);
        assert.deepEqual(applied, ["weight 10%", "weight 0% (all to stable)"]);
        assert.match(result.reasons[0], /^error ratio of v3 is \d+\.\d%, above 5\.0% \(monitoring\.alerts\.errorRatio\)$/);
        const ratio = result.steps.at(-1)!.health!.errorRatio!;
        assert.ok(ratio > 0.15 && ratio < 0.45, `measured error ratio ${ratio}`);
        // Users lost only the candidate's failures while it had 10%, all of them 500s, none after the rollback.
        assert.deepEqual(Object.keys(probe.failures), ["http-500"]);
        assert.ok(probe.failed > 0 && probe.failed < 0.1 * probe.requests, `${probe.failed} of ${probe.requests}`);
        assert.ok(probe.errorWindow!.lastS * 1000 <= result.rolledBackAtMs! + 1000, `last failure at ${probe.errorWindow!.lastS}s, rollback at ${result.rolledBackAtMs}ms`);
        console.log(
            `        rolled back ${(result.rolledBackAtMs! / 1000).toFixed(1)} s after the first step (decided at ${(result.steps.at(-1)!.decidedAtMs / 1000).toFixed(1)} s, ` +
                `error ratio ${(100 * ratio).toFixed(1)}% over ${Math.round(result.steps.at(-1)!.health!.requests!)} v3 requests); ` +
                `probe: ${probe.failed} of ${probe.requests} requests failed (${JSON.stringify(probe.failures)}), the last at ${probe.errorWindow!.lastS} s`,
        );
    });
});
