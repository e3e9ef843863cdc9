import { strict as assert } from "assert";
import * as fs from "fs";
import { DemoApp } from "../../app/src/server";
import { routingFor } from "../../components/plan";
import { routingStateFor } from "../../components/routers/haproxy/haproxyConfig";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { PrometheusClient, readVersionHealth } from "../../tools/lib/prometheus";
import { RolloutEvent, RolloutResult, runRollout } from "../../tools/lab/rollout/rollout";
import { judgeFor } from "../../tools/lab/rollout/command";
import { thresholdsFor } from "../../tools/lab/rollout/decision";
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
    /** The stable release for most cases (v1, healthy); v6 fails 8% of its requests, as its candidate v7 does. */
    const stables: Record<string, string[]> = {};
    let v9: { errorRate: number } | undefined;

    before(async function () {
        this.timeout(60_000);
        for (const p of ["prometheus", "promtool", "haproxy", "socat"]) {
            requireProgram(p);
        }
        dir = tempDir("rollout");
        stable = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
        candidates.v2 = await startApp("v2", "green", apps, {});
        candidates.v3 = await startApp("v3", "green", apps, { errorRate: 0.3 });
        // Borderline: healthy but 60 ms slower than v1 on every request, far under the 500 ms p95 threshold.
        candidates.v4 = await startApp("v4", "green", apps, { latencyMs: 60 });
        stables.v1 = stable;
        stables.v6 = [await startApp("v6", "blue", apps, { errorRate: 0.08 }), await startApp("v6", "blue", apps, { errorRate: 0.08 })];
        candidates.v7 = await startApp("v7", "green", apps, { errorRate: 0.08 });
        // Healthy until a test breaks it (30% errors) once a given step is live: a candidate that fails late.
        candidates.v9 = await startApp("v9", "green", apps, { errorRate: 0 }, (s) => (v9 = s));
        const server = await startPrometheus(dir, {
            app: [
                ...Object.entries(stables).flatMap(([version, addresses]) => addresses.map((address) => ({ address, version }))),
                ...Object.entries(candidates).map(([version, address]) => ({ address, version })),
            ],
            nodeExporter: [],
            scrapeInterval: "1s",
            ruleFiles: [],
        });
        programs.push(server.program);
        prom = new PrometheusClient(server.api);
        await waitAllTargetsUp(server.api, 10);
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
    async function rollout(
        version: string,
        steps: number[],
        judge: "threshold" | "mann-whitney" | "fixed" = "fixed",
        stableVersion = "v1",
        more: { gradualRollbackPauseS?: number; onApplied?: (label: string) => void; prom?: PrometheusClient; noDataTimeoutS?: number } = {},
    ): Promise<{ result: RolloutResult; applied: string[]; probe: ProbeSummary; events: RolloutEvent[] }> {
        const edge = await startHaproxyEdge("split", stables[stableVersion], [candidates[version]]);
        edges.push(edge);
        const candidateChange = {
            "rollout-lab:candidate.version": version,
            "rollout-lab:stable.version": stableVersion,
            // Samples every scrape (1 s here): a 10 s step gives about 9 per version.
            "rollout-lab:monitoring.scrapeInterval": "1s",
            "rollout-lab:measure.judge": judge === "mann-whitney" ? "mann-whitney" : "threshold",
            "rollout-lab:measure.comparison.minSamples": "6",
        };
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
            const config = loadStackConfig("swarm-canary", undefined, candidateChange);
            const judgeOptions =
                judge === "fixed"
                    ? { thresholds, health: (windowS: number) => readVersionHealth(more.prom ?? prom, version, windowS) }
                    : { judge: judgeFor(config, plan, prom, { ...thresholdsFor(config), minRequests: thresholds.minRequests }) };
            const result = await runRollout({
                plan,
                ...judgeOptions,
                stepWaitS,
                pollS: 2,
                target: {
                    apply: async (change, label) => {
                        current = { ...current, ...change };
                        applied.push(label);
                        await applyCurrent();
                        more.onApplied?.(label);
                    },
                },
                onEvent: (e) => events.push(e),
                gradualRollbackPauseS: more.gradualRollbackPauseS,
                noDataTimeoutS: more.noDataTimeoutS,
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

    // measure.judge mann-whitney: each step judged at its end, the candidate's per-second error ratios and
    // mean latencies against stable's over the same window (at 100%, stable's from the window before).
    const said = (r: RolloutResult) => r.steps.map((s) => `step ${s.step.share}%: ${s.verdict.action}: ${s.verdict.reasons.join("; ")}`).join("\n          ");

    it("the comparison judge promotes the healthy v2 and stops v3 (30% errors), saying U, p and the effect", async () => {
        const healthy = await rollout("v2", [50, 100], "mann-whitney");
        console.log(`        mann-whitney, v2:\n          ${said(healthy.result)}`);
        assert.equal(healthy.result.outcome, "promoted", said(healthy.result));
        assert.match(healthy.result.steps[1].verdict.reasons.join("; "), /v1 \(the 10 s before the step\)/, "at 100% stable's samples come from before the step");
        const bad = await rollout("v3", [50, 100], "mann-whitney");
        console.log(`        mann-whitney, v3:\n          ${said(bad.result)}`);
        assert.equal(bad.result.outcome, "rolled-back");
        assert.equal(bad.result.failedStep?.share, 50);
        assert.match(bad.result.reasons[0], /^error ratio of v3 against v1: U [\d.]+ of \d+ pairs \(effect (0\.[789]\d|1\.00)\), p [\d.e-]+ over \d+ \+ \d+ samples .*: worse/);
    });

    it("a borderline candidate (v4: 60 ms slower, no errors): the thresholds promote it, the comparison stops it", async () => {
        const byThreshold = await rollout("v4", [50, 100], "threshold");
        console.log(`        threshold, v4:\n          ${said(byThreshold.result)}`);
        assert.equal(byThreshold.result.outcome, "promoted", said(byThreshold.result));
        const byComparison = await rollout("v4", [50, 100], "mann-whitney");
        console.log(`        mann-whitney, v4:\n          ${said(byComparison.result)}`);
        assert.equal(byComparison.result.outcome, "rolled-back");
        assert.match(byComparison.result.reasons[0], /^mean latency of v4 against v1: .*: worse/);
    });

    it("the reverse: stable v6 and candidate v7 both fail 8%: the thresholds stop the candidate, the comparison promotes it", async () => {
        const byThreshold = await rollout("v7", [50, 100], "threshold", "v6");
        console.log(`        threshold, v7 over v6:\n          ${said(byThreshold.result)}`);
        assert.equal(byThreshold.result.outcome, "rolled-back");
        assert.match(byThreshold.result.reasons[0], /^error ratio of v7 is \d+\.\d%, above 5\.0%/);
        const byComparison = await rollout("v7", [50, 100], "mann-whitney", "v6");
        console.log(`        mann-whitney, v7 over v6:\n          ${said(byComparison.result)}`);
        assert.equal(byComparison.result.outcome, "promoted", said(byComparison.result));
    });

    it("measure.rollback: immediate and gradual rollbacks of a candidate that breaks at its 50% step, failed requests and time to all-stable", async () => {
        const figures: string[] = [];
        for (const gradual of [undefined, 5]) {
            v9!.errorRate = 0;
            const breakAt50 = (label: string) => {
                if (label === "weight 50%") {
                    v9!.errorRate = 0.3;
                }
            };
            const { result, applied, probe } = await rollout("v9", [10, 50, 100], "fixed", "v1", { gradualRollbackPauseS: gradual, onApplied: breakAt50 });
            assert.equal(result.outcome, "rolled-back");
            assert.equal(result.failedStep?.share, 50);
            const toStableS = (result.rolledBackAtMs! - result.rollbackStartedAtMs!) / 1000;
            figures.push(`${gradual === undefined ? "immediate" : `gradual (${gradual} s per step)`}: ${applied.join(" -> ")}; ${toStableS.toFixed(1)} s from the decision to all-stable; ${probe.failed} of ${probe.requests} requests failed`);
            if (gradual === undefined) {
                assert.deepEqual(applied, ["weight 10%", "weight 50%", "weight 0% (all to stable)"]);
            } else {
                // Back to 10% first, held 5 s with the judge watching (at 10% of 40 requests/s it may not
                // reach measure.minRequests in 5 s: then it holds, else it cuts), then all to stable.
                assert.deepEqual(applied, ["weight 10%", "weight 50%", "weight 10% (rolling back)", "weight 0% (all to stable)"]);
                assert.deepEqual(result.rollbackSteps, [10]);
                assert.ok(toStableS >= gradual, `held ${toStableS} s at 10%`);
                figures.push(`  gradual's last reason: ${result.reasons.at(-1)}`);
            }
        }
        v9!.errorRate = 0;
        console.log(`        ${figures.join("\n        ")}`);
    });

    it("Prometheus gone mid-step: the step holds, is never promoted, and is rolled back at measure.noDataTimeoutSeconds; no request lost", async () => {
        // A Prometheus of this case's own, stopped 4 s after the first step (10%) went live.
        const own = tempDir("rollout-noprom");
        const server = await startPrometheus(own, {
            app: [...stables.v1.map((address) => ({ address, version: "v1" })), { address: candidates.v2, version: "v2" }],
            nodeExporter: [],
            scrapeInterval: "1s",
            ruleFiles: [],
        });
        await waitAllTargetsUp(server.api, 4);
        let stoppedAt = 0;
        const stopAfter = (label: string) => {
            if (label === "weight 10%") {
                setTimeout(() => void server.program.stop().then(() => (stoppedAt = Date.now())), 4000);
            }
        };
        const started = Date.now();
        const { result, applied, probe, events } = await rollout("v2", [10, 50, 100], "fixed", "v1", { prom: new PrometheusClient(server.api), noDataTimeoutS: 8, onApplied: stopAfter });
        fs.rmSync(own, { recursive: true, force: true });
        const holds = events.filter((e): e is Extract<RolloutEvent, { kind: "no-data" }> => e.kind === "no-data");
        console.log(`        held ${holds.length} polls (${holds.map((h) => h.forS.toFixed(0)).join(", ")} s without data), then: ${result.reasons[0]}; rolled back ${((started + result.rolledBackAtMs! - stoppedAt) / 1000).toFixed(1)} s after Prometheus stopped; ${probe.failed} of ${probe.requests} requests failed`);
        assert.equal(result.outcome, "rolled-back");
        assert.deepEqual(applied, ["weight 10%", "weight 0% (all to stable)"], "never promoted past 10% without data");
        assert.match(result.reasons[0], /^no data for \d+ s \(measure\.noDataTimeoutSeconds 8\): /);
        assert.ok(holds.length >= 2, "the hold was reported at each poll");
        assert.equal(probe.failed, 0);
    });
});
