import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Probe } from "../../tools/probe/probe";
import { ProbeRecord, ProbeSummary, userFigures } from "../../tools/probe/summary";
import { stackOutputs } from "../../tools/lib/engine";
import { LabStack } from "../../tools/lib/workspace";
import { clusterName, entry, leftovers, share, withKindStack } from "./kindCluster";
import { labCheck, log, recordProbe, sample, stackConfigFromEnv, up } from "./support";

// Traefik's Gateway API routing on a real kind cluster: the program installs the CRDs, Traefik, a Gateway
// and the HTTPRoute; a probe sends 100 requests/s to 127.0.0.1 through every change, which goes through
// `pulumi up`. Measured: the split over 2,000 requests (±3 points of the weight), failed requests (none),
// header and cookie routing (exact), and the switch latency: from `pulumi up` returning to the new split
// being what a sampler sees (it runs through the change, in windows of 100 requests).
//
// Needs what test/e2e/kind.test.ts needs, and Traefik's image and the Gateway API CRDs where no registry
// and no GitHub can be reached: E2E_TRAEFIK the `key=value` lines scripts/traefik-image.sh prints (the
// image is also loaded into the cluster, kind.loadImages). E2E_RESULTS writes the figures (to
// <name>.traefik.json beside the kind suite's file).

const results: Record<string, unknown>[] = [];
const windowSize = 100;
/** A window matches a weight when its share is this close (100 requests: the binomial spread is ~5 points). */
const windowTolerance = 15;

function traefikConfig(): Record<string, string> {
    const config = stackConfigFromEnv("E2E_TRAEFIK");
    const image = config["rollout-lab:traefik.image"];
    return image === undefined ? config : { ...config, "rollout-lab:kind.loadImages[0]": image };
}

/** The probe at 100 requests/s on keep-alive connections (Traefik balances each request) until stopped. */
function startProbe(): { stop: () => Promise<ProbeSummary>; mark: () => void } {
    const probe = new Probe({ url: entry, ratePerSecond: 100, durationS: 600, timeoutMs: 2000, maxInFlight: 200 });
    const running = probe.run();
    return {
        mark: () => probe.mark(),
        stop: async () => {
            probe.stop();
            return running;
        },
    };
}

interface Window {
    endMs: number;
    v2Share: number;
    failed: number;
}

/** Samples windows of 100 sequential requests until stopped. */
function startSampler(): { stop: () => Promise<Window[]> } {
    const windows: Window[] = [];
    let running = true;
    const loop = (async () => {
        while (running) {
            const counts = await sample(entry, windowSize);
            const failed = Object.entries(counts).filter(([k]) => k !== "v1" && k !== "v2").reduce((a, [, n]) => a + n, 0);
            windows.push({ endMs: Date.now(), v2Share: share(counts, "v2"), failed });
        }
    })();
    return {
        stop: async () => {
            running = false;
            await loop;
            return windows;
        },
    };
}

/**
 * Seconds from `upReturnedMs` to the end of the first window from which every window shows the new
 * weight (negative: Traefik had the new split before `pulumi up` returned).
 */
function switchLatencyS(windows: Window[], weight: number, upReturnedMs: number): number | null {
    const matches = (w: Window) => Math.abs(w.v2Share - weight) <= windowTolerance;
    let first = windows.length;
    while (first > 0 && matches(windows[first - 1])) {
        first--;
    }
    return first < windows.length ? (windows[first].endMs - upReturnedMs) / 1000 : null;
}

const percentile = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** Sets a config value, runs `pulumi up` while the sampler runs, and returns the switch latency to `weight`. */
async function changeAndTime(lab: LabStack, key: string, value: string, weight: number, what: string, record: Record<string, unknown>[]): Promise<number> {
    await lab.stack.setConfig(key, { value }, true);
    const sampler = startSampler();
    const t0 = Date.now();
    const result = await up(lab, what);
    const upReturned = Date.now();
    // Long enough for Traefik's 2 s provider throttle and a few windows after it.
    await new Promise((r) => setTimeout(r, 8000));
    const windows = await sampler.stop();
    const latency = switchLatencyS(windows, weight, upReturned);
    // Traefik applies the route as soon as the engine updates it, which is before `up` returns: the
    // figure is then negative, and the time from `up` starting says how long the whole edit took.
    const fromStart = latency === null ? null : (upReturned - t0) / 1000 + latency;
    log(
        `${what}: up ${result.seconds} s; new split seen ${latency === null ? "never" : `${latency.toFixed(2)} s after up returned, ${fromStart!.toFixed(1)} s after it started`} (${windows.length} windows)`,
    );
    record.push({ what, upS: result.seconds, latencyS: latency, fromUpStartS: fromStart, failedInWindows: windows.reduce((a, w) => a + w.failed, 0) });
    assert.notEqual(latency, null, `${what}: the sampler saw the new split (${weight}% v2) within 8 s of up returning`);
    return latency!;
}

/** The candidate's own count of answered requests, read through the API server's service proxy (kubectl on 127.0.0.1). */
function candidateRequests(kubeconfig: string, service: string): number {
    const text = execFileSync("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", `/api/v1/namespaces/rollout-lab/services/${service}:80/proxy/metrics`], { encoding: "utf8" });
    return text
        .split("\n")
        .filter((l) => l.startsWith("http_requests_total{") && l.includes('version="v2"'))
        .reduce((a, l) => a + Number(l.split(" ").pop()), 0);
}

/**
 * canary.sticky turned on at weight 10, then raised to 30 and 60 and cut to 0, each by `pulumi up`, while
 * 240 simulated users (each its own cookies and connection, one request a second) keep asking. Each
 * weight's window starts 3 s after `up` returned (Traefik's 2 s provider throttle) and lasts 8 s. Expected,
 * as on the HAProxy edge: no user sees both versions within a window; v2's share of users is the weight
 * within 4 binomial deviations; a user on v2 at 10 is on v2 at 30 and at 60; at 0 every user is on v1.
 * At 30, `lab check` must pass its users line (200 users of its own, none on two versions).
 */
async function stickySteps(lab: LabStack, record: Record<string, unknown>): Promise<void> {
    await lab.stack.setConfig("rollout-lab:canary.sticky", { value: "true" }, true);
    await lab.stack.setConfig("rollout-lab:canary.weight", { value: "10" }, true);
    const on = await up(lab, "canary.sticky on at weight 10 (Traefik's CRDs, its CRD provider, 101 TraefikServices)");
    const probe = new Probe({ url: entry, ratePerSecond: 240, durationS: 600, timeoutMs: 2000, maxInFlight: 400, users: 240 });
    const running = probe.run();
    const windows: { weight: number; from: number; to: number; upS?: number }[] = [];
    for (const weight of [10, 30, 60, 0]) {
        let upS: number | undefined;
        if (weight !== 10) {
            await lab.stack.setConfig("rollout-lab:canary.weight", { value: String(weight) }, true);
            upS = (await up(lab, `sticky weight -> ${weight}`)).seconds;
        }
        await new Promise((r) => setTimeout(r, 3000));
        const from = probe.elapsedMs();
        await new Promise((r) => setTimeout(r, 8000));
        windows.push({ weight, from, to: probe.elapsedMs(), ...(upS !== undefined ? { upS } : {}) });
        if (weight === 30) {
            // lab check under sticky adds its users line: 200 users of its own, none on two versions.
            const report = await labCheck(lab, "kind-canary-traefik");
            const users = report.checks.find((c) => c.check === "users");
            record.stickyCheck = users;
            assert.equal(users?.status, "pass", `lab check's users line: ${JSON.stringify(users)}`);
        }
    }
    probe.stop();
    const summary = await running;
    const records: readonly ProbeRecord[] = probe.snapshot();
    const steps = windows.map(({ weight, from, to, upS }) => {
        const figures = userFigures(records, from, to);
        const onCandidate = new Set(records.filter((r) => r.sentAtMs >= from && r.sentAtMs < to && r.version === "v2").map((r) => r.user!));
        log(`sticky, weight ${weight}: ${figures.users} users, shares ${JSON.stringify(figures.shares)}, flip rate ${figures.flipRate}${upS !== undefined ? ` (up ${upS} s)` : ""}`);
        return { weight, figures, onCandidate, upS };
    });
    record.sticky = {
        turnedOnUpS: on.seconds,
        steps: steps.map(({ weight, figures, upS }) => ({ weight, users: figures.users, shares: figures.shares, flipRate: figures.flipRate, upS })),
        requests: summary.requests,
        failed: summary.failed,
    };
    // Where any failure fell: in a step's window, or between windows (an update under way).
    const failedAt = records.filter((r) => r.error !== undefined).map((r) => {
        const w = windows.find((x) => r.sentAtMs >= x.from && r.sentAtMs < x.to);
        const before = windows.find((x) => r.sentAtMs < x.from);
        return w !== undefined ? `in the window at ${w.weight}` : before !== undefined ? `before the window at ${before.weight}` : "after the last window";
    });
    const byPlace = failedAt.reduce<Record<string, number>>((a, p) => ((a[p] = (a[p] ?? 0) + 1), a), {});
    log(`sticky probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}${summary.failed > 0 ? ` ${JSON.stringify(byPlace)}` : ""}`);
    (record.sticky as Record<string, unknown>).failedAt = byPlace;
    for (const { weight, figures } of steps) {
        assert.equal(figures.users, 240, `every user answered at weight ${weight}`);
        assert.equal(figures.flipped, 0, `no user saw both versions at weight ${weight}: ${JSON.stringify(figures)}`);
        const tolerance = 4 * Math.sqrt(((weight / 100) * (1 - weight / 100)) / 240) * 100;
        assert.ok(Math.abs((figures.shares.v2 ?? 0) * 100 - weight) <= tolerance, `users on v2 at weight ${weight}: ${JSON.stringify(figures.shares)}`);
    }
    assert.deepEqual([...steps[0].onCandidate].filter((u) => !steps[1].onCandidate.has(u)), [], "v2's users at 10 are on v2 at 30");
    assert.deepEqual([...steps[1].onCandidate].filter((u) => !steps[2].onCandidate.has(u)), [], "v2's users at 30 are on v2 at 60");
    assert.deepEqual(steps[3].figures.shares, { v1: 1 }, "weight 0: every user on v1");
    assert.equal(summary.failed, 0, `no request failed through the sticky steps: ${JSON.stringify(summary.failures)}`);
}

describe("Traefik (Gateway API) on a real kind cluster", function () {
    this.timeout(25 * 60 * 1000);
    const traefik = traefikConfig();

    before(() => {
        assert.deepEqual(leftovers(), [], `start from an engine with no ${clusterName} cluster`);
    });

    after(() => {
        if (process.env.E2E_RESULTS) {
            const file = process.env.E2E_RESULTS.replace(/(\.json)?$/, ".traefik.json");
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, JSON.stringify(results, null, 2));
        }
    });

    it("kind-canary-traefik: the split is the weight (±3 points over 2,000 requests) through weight changes under 100 req/s with none lost; switch latency measured; then canary.sticky keeps each of 240 users on one version through 10/30/60/0", async () => {
        await withKindStack(results, "canary by HTTPRoute weights", "kind-canary-traefik", traefik, async (lab, record) => {
            const at10 = await sample(entry, 2000);
            log(`weight 10: ${JSON.stringify(at10)} (${share(at10, "v2").toFixed(1)}% v2)`);
            assert.equal((at10.v1 ?? 0) + (at10.v2 ?? 0), 2000, "every request answered");
            assert.ok(Math.abs(share(at10, "v2") - 10) <= 3, JSON.stringify(at10));
            const probe = startProbe();
            await new Promise((r) => setTimeout(r, 3000));
            probe.mark();
            const changes: Record<string, unknown>[] = [];
            const latencies: number[] = [];
            for (const weight of [50, 90, 30, 70, 10, 60]) {
                latencies.push(await changeAndTime(lab, "rollout-lab:canary.weight", String(weight), weight, `weight -> ${weight}`, changes));
            }
            const at60 = await sample(entry, 2000);
            const summary = await probe.stop();
            recordProbe(record, summary);
            record.changes = changes;
            record.switchLatencyS = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), all: latencies };
            log(`switch latency after up returned: p50 ${percentile(latencies, 50).toFixed(2)} s, p95 ${percentile(latencies, 95).toFixed(2)} s over ${latencies.length} changes`);
            log(`probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}`);
            log(`weight 60: ${JSON.stringify(at60)} (${share(at60, "v2").toFixed(1)}% v2)`);
            record.split = { at10: share(at10, "v2"), at60: share(at60, "v2") };
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.ok(summary.requests >= 100 * 60, `the probe ran through the changes (${summary.requests} requests)`);
            assert.equal((at60.v1 ?? 0) + (at60.v2 ?? 0), 2000, "every request answered");
            assert.ok(Math.abs(share(at60, "v2") - 60) <= 3, JSON.stringify(at60));

            // The same lab with canary.sticky (Traefik's sticky weighted service over 100 buckets).
            await stickySteps(lab, record);
        });
    });

    it("kind-bluegreen-traefik: the 0/100 route switches blue -> green -> blue under 100 req/s with none lost; only the active colour answers after", async () => {
        await withKindStack(results, "bluegreen by HTTPRoute 0/100", "kind-bluegreen-traefik", traefik, async (lab, record) => {
            assert.deepEqual(await sample(entry, 500), { v1: 500 });
            const probe = startProbe();
            await new Promise((r) => setTimeout(r, 3000));
            probe.mark();
            const changes: Record<string, unknown>[] = [];
            const latencies = [
                await changeAndTime(lab, "rollout-lab:bluegreen.activeColor", "green", 100, "blue -> green", changes),
                await changeAndTime(lab, "rollout-lab:bluegreen.activeColor", "blue", 0, "green -> blue", changes),
                await changeAndTime(lab, "rollout-lab:bluegreen.activeColor", "green", 100, "blue -> green again", changes),
            ];
            const summary = await probe.stop();
            recordProbe(record, summary);
            record.changes = changes;
            record.switchLatencyS = latencies;
            log(`probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}`);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(await sample(entry, 500), { v2: 500 });
        });
    });

    it("kind-abtest-traefik: the header (exact, then a regex on the whole value) and the cookie pick the candidate, every other request stable, with none lost through the change", async () => {
        await withKindStack(results, "abtest by HTTPRoute matches", "kind-abtest-traefik", traefik, async (lab, record) => {
            const by = async (headers: Record<string, string>) => sample(entry, 200, headers);
            assert.deepEqual(await by({}), { v1: 200 }, "no header, no cookie: stable");
            assert.deepEqual(await by({ "X-Lab-Group": "beta" }), { v2: 200 }, "the header's value: candidate");
            assert.deepEqual(await by({ "X-Lab-Group": "beta-2" }), { v1: 200 }, "exact: another value is stable");
            assert.deepEqual(await by({ Cookie: "theme=dark; lab_beta=always" }), { v2: 200 }, "the cookie: candidate");
            assert.deepEqual(await by({ Cookie: "lab_beta=never" }), { v1: 200 }, "the cookie with another value: stable");
            const probe = startProbe();
            await new Promise((r) => setTimeout(r, 3000));
            probe.mark();
            await lab.stack.setConfig("rollout-lab:abtest.valueMatch", { value: "regex" }, true);
            await lab.stack.setConfig("rollout-lab:abtest.value", { value: "beta-[0-9]+" }, true);
            record.change = await up(lab, "header exact -> regex beta-[0-9]+");
            await new Promise((r) => setTimeout(r, 5000));
            const summary = await probe.stop();
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(await by({ "X-Lab-Group": "beta-42" }), { v2: 200 }, "the regex matches the whole value");
            assert.deepEqual(await by({ "X-Lab-Group": "x-beta-42" }), { v1: 200 }, "the regex must match the whole value, not a part");
            assert.deepEqual(await by({ "X-Lab-Group": "beta" }), { v1: 200 });
            assert.deepEqual(await by({ Cookie: "lab_beta=always" }), { v2: 200 }, "the cookie still picks the candidate");
        });
    });

    it("kind-shadow-traefik: stable answers everything; Traefik's mirroring service copies the percentage to the candidate", async () => {
        await withKindStack(results, "shadow by Traefik's mirroring service", "kind-shadow-traefik", traefik, async (lab, record) => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-kubeconfig-"));
            try {
                const kubeconfig = path.join(dir, "config");
                fs.writeFileSync(kubeconfig, String((await stackOutputs(lab.stack)).kubeconfig), { mode: 0o600 });
                const before = candidateRequests(kubeconfig, "demo-canary");
                const answers = await sample(entry, 1000);
                // The mirror is sent beside the answer; give the last copies a moment to land.
                await new Promise((r) => setTimeout(r, 2000));
                const mirrored = candidateRequests(kubeconfig, "demo-canary") - before;
                record.shadow = { answers, mirrored, percent: mirrored / 10 };
                log(`1,000 requests: answers ${JSON.stringify(answers)}, the candidate got ${mirrored} copies (${(mirrored / 10).toFixed(1)}%; shadow.percent 40)`);
                assert.deepEqual(answers, { v1: 1000 }, "only stable answers");
                assert.ok(Math.abs(mirrored / 10 - 40) <= 5, `about 40% mirrored (got ${mirrored} of 1000)`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
