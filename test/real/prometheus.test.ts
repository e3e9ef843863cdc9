import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { DemoApp } from "../../app/src/server";
import {
    MonitoringPlatform,
    Query,
    allDashboards,
    allQueries,
    candidateAlerts,
    renderAlertRules,
    renderPrometheusConfig,
} from "../../monitoring";
import { Program, check, freePort, startApp, tempDir, waitForPort } from "../support/localProcesses";
import { requireProgram, startPrometheus, waitAllTargetsUp } from "../support/prometheusServer";

// The generated Prometheus config and rules, checked by the real `promtool` and run by the real
// Prometheus (Debian's `prometheus` package) on 127.0.0.1, scraping real demo app servers of two
// versions and a real node-exporter (Debian's `prometheus-node-exporter`). Every expression that the
// dashboards and alert rules use is asked of Prometheus's HTTP API and must give both versions with
// plausible values; the candidate's alerts must fire.
//
// cAdvisor is not available on this machine (no Debian package, no container engine to watch), so the
// expressions built on cAdvisor's metrics are only checked to be valid PromQL (by promtool, for every
// platform, and by the query API, which answers them with no series); the overview's CPU and memory by
// version are measured with the variant built on the app's own process metrics, which needs no cAdvisor.
//
// Note: the demo apps run inside this test's Node process, so their process metrics (CPU, memory) are
// all the same process's figures; the join to their version is what is being tested, not the figures.

const scrapeInterval = "1s";
// A 1 s scrape gives a 10 s window ten samples: the dashboards' 1m default would need a minute of traffic.
const rateWindow = "10s";
const trafficWarmupMs = 12_000;
const candidate = { version: "v2", errorRate: 0.3, latencyMs: 150 };
const thresholds = { errorRatioThreshold: 0.1, p95LatencyThresholdSeconds: 0.1, forDuration: "2s" };

type Sample = { metric: Record<string, string>; value: [number, string] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Closed-loop traffic to each app from a few workers, until stopped or bounded out; records answers per version. */
class Traffic {
    readonly answers = new Map<string, number[]>();
    readonly statuses = new Map<string, Record<string, number>>();
    private stopped = false;
    private readonly workers: Promise<void>[] = [];

    constructor(targets: { address: string; version: string; workers: number }[], maxMs: number, maxPerWorker: number) {
        const until = Date.now() + maxMs;
        for (const t of targets) {
            for (let w = 0; w < t.workers; w++) {
                this.workers.push(this.worker(t.address, t.version, until, maxPerWorker));
            }
        }
    }

    private async worker(address: string, version: string, until: number, max: number): Promise<void> {
        for (let i = 0; i < max && !this.stopped && Date.now() < until; i++) {
            let status: string;
            try {
                const res = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(5000) });
                await res.text();
                status = String(res.status);
                const times = this.answers.get(version) ?? [];
                times.push(Date.now());
                this.answers.set(version, times);
            } catch (e) {
                status = `failed: ${(e as Error).name}`;
            }
            const s = this.statuses.get(version) ?? {};
            s[status] = (s[status] ?? 0) + 1;
            this.statuses.set(version, s);
            await sleep(25);
        }
    }

    /** Answers per second of one version over the last `seconds`. */
    rate(version: string, seconds: number): number {
        const since = Date.now() - seconds * 1000;
        return (this.answers.get(version) ?? []).filter((t) => t >= since).length / seconds;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await Promise.all(this.workers);
    }
}

describe("Prometheus (real prometheus, promtool and node-exporter on 127.0.0.1)", function () {
    this.timeout(120_000);
    const apps: DemoApp[] = [];
    const programs: Program[] = [];
    let traffic: Traffic | undefined;
    let dir: string;
    let api: string;
    const t0 = Date.now();

    const queries = allQueries({ platform: "static", rateWindow, candidateVersion: candidate.version });
    const dashboards = allDashboards({ platform: "static", rateWindow });
    const alerts = candidateAlerts({ candidateVersion: candidate.version, rateWindow, ...thresholds });

    before(() => {
        requireProgram("prometheus");
        requireProgram("promtool");
        requireProgram("prometheus-node-exporter");
        dir = tempDir("prometheus");
    });

    after(async () => {
        await traffic?.stop();
        for (const p of programs) {
            await p.stop();
        }
        await Promise.all(apps.map((a) => a.shutdown()));
        if (dir) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        console.log(`      (whole Prometheus suite: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    });

    it("promtool accepts the generated config and rules of every platform", () => {
        const rules = path.join(dir, "check.rules.yml");
        fs.writeFileSync(rules, renderAlertRules({ candidateVersion: candidate.version, ...thresholds }));
        const r = check("promtool", ["check", "rules", rules]);
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /SUCCESS: 2 rules found/);
        // kubernetes_sd and dns_sd are only parsed here: promtool does not contact an API server or DNS.
        const specs = [
            { platform: "kubernetes" as const, namespace: "rollout-lab", scrapeInterval: "15s", ruleFiles: [rules] },
            // The same with a mesh's sidecars scraped too (Envoy's stats for Kiali, linkerd-proxy's metrics).
            { platform: "kubernetes" as const, namespace: "rollout-lab", scrapeInterval: "15s", ruleFiles: [rules], mesh: { kind: "istio" as const, namespaces: ["rollout-lab", "istio-ingress"] } },
            { platform: "kubernetes" as const, namespace: "rollout-lab", scrapeInterval: "15s", ruleFiles: [rules], mesh: { kind: "linkerd" as const, namespaces: ["rollout-lab", "ingress-nginx"] } },
            { platform: "swarm" as const, services: ["rollout-lab-demo-blue", "rollout-lab-demo-green"], scrapeInterval: "15s", ruleFiles: [rules] },
            { platform: "static" as const, app: [{ address: "127.0.0.1:1", version: "v1" }], nodeExporter: ["127.0.0.1:2"], cadvisor: ["127.0.0.1:3"], scrapeInterval: "1s", ruleFiles: [rules] },
        ];
        for (const spec of specs) {
            const file = path.join(dir, `prometheus-${spec.platform}-${"mesh" in spec && spec.mesh ? spec.mesh.kind : "plain"}.yml`);
            fs.writeFileSync(file, renderPrometheusConfig(spec));
            let c = check("promtool", ["check", "config", file]);
            if (spec.platform === "kubernetes" && c.status !== 0 && /field kubernetes_sd_configs not found/.test(c.output)) {
                // Debian builds Prometheus without Kubernetes service discovery (the official image has it).
                // Check everything else — jobs, relabelling, rule files — with each discovery block
                // swapped for a static target.
                assert.doesNotMatch(c.output.replace(/.*field kubernetes_sd_configs not found.*\n?/g, ""), /line \d+:/, c.output);
                const config = parse(fs.readFileSync(file, "utf8")) as { scrape_configs: Record<string, unknown>[] };
                for (const job of config.scrape_configs) {
                    if (job.kubernetes_sd_configs) {
                        delete job.kubernetes_sd_configs;
                        job.static_configs = [{ targets: ["127.0.0.1:1"] }];
                    }
                }
                fs.writeFileSync(file, stringify(config));
                c = check("promtool", ["check", "config", file]);
                console.log("      (this promtool has no kubernetes_sd_configs: the Kubernetes config was checked with static targets in their place)");
            }
            assert.equal(c.status, 0, `${spec.platform}: ${c.output}`);
            assert.match(c.output, /SUCCESS/);
        }
    });

    it("promtool parses every query of every platform (as recording rules), cAdvisor's included", () => {
        for (const platform of ["kubernetes", "swarm", "static"] as MonitoringPlatform[]) {
            const all = allQueries({ platform, candidateVersion: candidate.version });
            const rules = Object.values(all).map((q) => ({ record: `rollout_lab:${q.id.replace(/\./g, "_")}`, expr: q.expr }));
            const file = path.join(dir, `queries-${platform}.rules.yml`);
            fs.writeFileSync(file, stringify({ groups: [{ name: "queries", rules }] }, { lineWidth: 0 }));
            const r = check("promtool", ["check", "rules", file]);
            assert.equal(r.status, 0, `${platform}: ${r.output}`);
            assert.match(r.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
        }
    });

    describe("scraping two versions of the demo app and node-exporter", () => {
        before(async function () {
            this.timeout(60_000);
            const v1 = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
            const v2 = await startApp(candidate.version, "green", apps, candidate);
            // Every counter series (a 500 included) exists before the first scrape, so rate() sees it grow.
            for (const address of [...v1, v2]) {
                for (let i = 0; i < 10; i++) {
                    await (await fetch(`http://${address}/`)).text();
                }
            }

            const nodePort = await freePort();
            programs.push(new Program("prometheus-node-exporter", [`--web.listen-address=127.0.0.1:${nodePort}`]));
            await waitForPort(nodePort);

            const rulesFile = path.join(dir, "rollout-lab.rules.yml");
            fs.writeFileSync(rulesFile, renderAlertRules({ candidateVersion: candidate.version, rateWindow, ...thresholds }));
            const prometheus = await startPrometheus(dir, {
                app: [...v1.map((address) => ({ address, version: "v1" })), { address: v2, version: candidate.version }],
                nodeExporter: [`127.0.0.1:${nodePort}`],
                scrapeInterval,
                ruleFiles: [rulesFile],
            });
            programs.push(prometheus.program);
            api = prometheus.api;

            traffic = new Traffic(
                [
                    ...v1.map((address) => ({ address, version: "v1", workers: 2 })),
                    { address: v2, version: candidate.version, workers: 4 },
                ],
                90_000,
                5_000,
            );
            await waitAllTargetsUp(api, 5);
            // Let a full rate window of steady traffic be scraped.
            await sleep(trafficWarmupMs);
        });

        async function query(expr: string): Promise<Sample[]> {
            const res = await fetch(`${api}/api/v1/query?${new URLSearchParams({ query: expr })}`, { signal: AbortSignal.timeout(5000) });
            const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
            assert.equal(body.status, "success", `${expr}: ${body.error}`);
            assert.equal(body.data.resultType, "vector");
            return body.data.result;
        }

        /** Queries one expression, prints what came back, returns value by `label`. */
        async function measure(q: Query, label: string): Promise<Record<string, number>> {
            const result = await query(q.expr);
            const values: Record<string, number> = {};
            for (const s of result) {
                values[s.metric[label] ?? "(none)"] = Number(s.value[1]);
            }
            const shown = Object.entries(values)
                .map(([k, v]) => `${label}=${k}: ${Number.isInteger(v) ? v : v.toPrecision(4)}`)
                .join(", ");
            console.log(`      ${q.id}  ${q.expr}\n        -> ${shown || "(no series)"}`);
            return values;
        }

        function expressionsUsed(): Query[] {
            const used = new Set<string>([...dashboards.flatMap((d) => (JSON.parse(d.json) as { panels: { targets: { expr: string }[] }[] }).panels.flatMap((p) => p.targets.map((t) => t.expr))), ...alerts.map((a) => a.query)]);
            const found = Object.values(queries).filter((q) => used.has(q.expr));
            assert.equal(found.length, used.size, "every expression the dashboards and alerts use is in queries.ts");
            return found;
        }

        it("answers every expression the dashboards and alerts use, for both versions, with plausible values", async () => {
            const used = expressionsUsed();
            const rates = { v1: traffic!.rate("v1", 10), v2: traffic!.rate(candidate.version, 10) };
            console.log(`      traffic over the last 10 s as sent: v1 ${rates.v1.toFixed(1)}/s, v2 ${rates.v2.toFixed(1)}/s; statuses ${JSON.stringify(Object.fromEntries(traffic!.statuses))}`);
            const seen = new Set<string>();
            const byId = async (id: string, label = "version") => {
                const q = used.find((u) => u.id === id);
                assert.ok(q, `${id} is used by a dashboard or an alert`);
                seen.add(id);
                return measure(q, label);
            };

            const rps = await byId("version.requestsPerSecond");
            assert.deepEqual(Object.keys(rps).sort(), ["v1", "v2"]);
            for (const v of ["v1", "v2"] as const) {
                assert.ok(Math.abs(rps[v] - rates[v]) <= 0.35 * rates[v], `requests/s of ${v}: Prometheus ${rps[v]}, sent ${rates[v]}`);
            }

            const errors = await byId("version.errorRatio");
            assert.equal(errors.v1, 0);
            assert.ok(Math.abs(errors.v2 - candidate.errorRate) < 0.08, `error ratio of v2: ${errors.v2}`);

            const p95 = await byId("version.p95Latency");
            assert.ok(p95.v1 > 0 && p95.v1 < 0.05, `p95 of v1: ${p95.v1}`);
            // Every v2 answer takes 150 ms: the 0.1..0.25 s bucket, interpolated.
            assert.ok(p95.v2 > 0.1 && p95.v2 <= 0.25, `p95 of v2: ${p95.v2}`);

            assert.deepEqual(await byId("version.replicas"), { v1: 2, v2: 1 });

            const cpu = await byId("version.processCpu");
            assert.deepEqual(Object.keys(cpu).sort(), ["v1", "v2"]);
            assert.ok(cpu.v1 > 0 && cpu.v2 > 0 && cpu.v1 < 4 && cpu.v2 < 4, JSON.stringify(cpu));
            const memory = await byId("version.processMemory");
            assert.deepEqual(Object.keys(memory).sort(), ["v1", "v2"]);
            // Two v1 servers and one v2 server, all in this process: v1 counts the same process twice.
            assert.ok(memory.v2 > 10e6 && memory.v2 < 8e9, `memory of v2: ${memory.v2}`);
            assert.ok(Math.abs(memory.v1 - 2 * memory.v2) < 0.1 * memory.v1, JSON.stringify(memory));

            const busy = await byId("node.cpuBusy", "instance");
            const node = Object.values(busy);
            assert.equal(node.length, 1);
            assert.ok(node[0] > 0 && node[0] <= 1, `node CPU busy ${node[0]}`);
            const used1 = Object.values(await byId("node.memoryUsed", "instance"));
            assert.ok(used1.length === 1 && used1[0] > 50e6, `node memory used ${used1}`);
            const ratio = Object.values(await byId("node.memoryUsedRatio", "instance"));
            assert.ok(ratio.length === 1 && ratio[0] > 0 && ratio[0] < 1, `node memory share ${ratio}`);
            const load = Object.values(await byId("node.load1", "instance"));
            assert.ok(load.length === 1 && load[0] >= 0, `load ${load}`);
            for (const id of ["node.networkReceive", "node.networkTransmit"]) {
                const v = Object.values(await byId(id, "instance"));
                assert.ok(v.length === 1 && v[0] >= 0, `${id}: ${v} (needs a network interface other than lo, veth*, docker*, br-*, ifb*)`);
            }

            for (const id of ["candidate.errorRatio", "candidate.p95Latency"]) {
                const v = await byId(id);
                assert.deepEqual(Object.keys(v), ["v2"], `${id} is the candidate's only`);
            }
            assert.equal((await query(queries["candidate.errorRatio"].expr))[0].value[1], (await query(queries["version.errorRatio"].expr)).find((s) => s.metric.version === "v2")?.value[1]);

            // cAdvisor's expressions (the container view): valid, and empty without a cAdvisor.
            for (const q of used.filter((u) => u.id.startsWith("container."))) {
                seen.add(q.id);
                const result = await query(q.expr);
                console.log(`      ${q.id}  ${q.expr}\n        -> ${result.length} series (no cAdvisor on this machine)`);
                assert.equal(result.length, 0);
            }
            assert.deepEqual([...seen].sort(), used.map((u) => u.id).sort(), "every used expression was asked");
        });

        it("fires the candidate's error and latency alerts, and only for the candidate", async () => {
            type Alert = { labels: Record<string, string>; state: string; value: string; activeAt: string };
            let active: Alert[] = [];
            const started = Date.now();
            for (let i = 0; i < 75; i++) {
                const res = await fetch(`${api}/api/v1/alerts`);
                active = ((await res.json()) as { data: { alerts: Alert[] } }).data.alerts;
                if (["CandidateErrorRatioHigh", "CandidateLatencyHigh"].every((n) => active.some((a) => a.labels.alertname === n && a.state === "firing"))) {
                    break;
                }
                await sleep(200);
            }
            for (const a of active) {
                console.log(`      alert ${a.labels.alertname} version=${a.labels.version} state=${a.state} value=${Number(a.value).toPrecision(4)} activeAt=${a.activeAt}`);
            }
            console.log(`      (firing seen ${((Date.now() - started) / 1000).toFixed(1)} s after asking)`);
            assert.deepEqual(active.map((a) => `${a.labels.alertname} ${a.labels.version} ${a.state}`).sort(), [
                "CandidateErrorRatioHigh v2 firing",
                "CandidateLatencyHigh v2 firing",
            ]);
            const errors = active.find((a) => a.labels.alertname === "CandidateErrorRatioHigh")!;
            assert.ok(Math.abs(Number(errors.value) - candidate.errorRate) < 0.08, errors.value);
            const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; query: string }[] }[] } };
            const loaded = rules.data.groups.flatMap((g) => g.rules);
            assert.deepEqual(
                loaded.map((r) => [r.name, r.health]),
                [
                    ["CandidateErrorRatioHigh", "ok"],
                    ["CandidateLatencyHigh", "ok"],
                ],
            );
        });
    });
});
