import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DemoApp } from "../../app/src/server";
import { HaproxySpec, RoutingState, renderHaproxyConfig } from "../../components/routers/haproxy/haproxyConfig";
import { HaproxyEdge, edgeApplyScript, startHaproxyEdge } from "../support/haproxyEdge";
import { check, runWithInput, startApp, tally, tempDir } from "../support/localProcesses";
import { Probe } from "../../tools/probe/probe";
import { ProbeRecord, UserFigures, userFigures } from "../../tools/probe/summary";

// The generated HAProxy configuration, checked by the real `haproxy -c` and run by the real HAProxy on
// 127.0.0.1 in front of real demo app servers; routing values changed by the real edge-apply.sh.

const requests = 4000;

function share(counts: Record<string, number>, version: string): number {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return (100 * (counts[version] ?? 0)) / total;
}

describe("HAProxy edge (real haproxy on 127.0.0.1)", function () {
    this.timeout(180000);
    let apps: DemoApp[] = [];
    let edge: HaproxyEdge | undefined;
    let dir: string;
    let url: string;

    afterEach(async () => {
        await edge?.stop();
        edge = undefined;
        await Promise.all(apps.map((a) => a.shutdown()));
        apps = [];
    });

    async function startEdge(routing: HaproxySpec["routing"], match?: HaproxySpec["match"], sticky = false): Promise<void> {
        const stable = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
        const candidate = routing === "single" ? undefined : [await startApp("v2", "green", apps)];
        edge = await startHaproxyEdge(routing, stable, candidate, match, { sticky });
        dir = edge.dir;
        url = edge.url;
    }

    const apply = (state: RoutingState) => edge!.apply(state);

    it("every routing's configuration passes haproxy -c, with Swarm DNS discovery too", () => {
        const d = tempDir("haproxy-check");
        for (const [strategy, sticky] of [["single", false], ["switch", false], ["split", false], ["split", true], ["match", false]] as const) {
            const cfg = renderHaproxyConfig({
                routing: strategy,
                sticky,
                stable: { kind: "dns", hostname: "tasks.demo-stable", port: 8080, slots: 10 },
                candidate: { kind: "dns", hostname: "tasks.demo-canary", port: 8080, slots: 10 },
                match: { header: "X-Canary" },
                bind: "*:80",
                statsBind: "*:8404",
                socketPath: path.join(d, "admin.sock"),
                stateDir: d,
            });
            fs.writeFileSync(path.join(d, "routing.map"), "candidate_percent 0\n");
            fs.writeFileSync(path.join(d, "ab.map"), "");
            fs.writeFileSync(path.join(d, `${strategy}${sticky ? "-sticky" : ""}.cfg`), cfg);
            const checked = check("haproxy", ["-c", "-f", path.join(d, `${strategy}${sticky ? "-sticky" : ""}.cfg`)]);
            assert.equal(checked.status, 0, `${strategy}${sticky ? " sticky" : ""}: ${checked.output}`);
        }
    });

    it("canary: splits traffic by the weight, and a weight change through the runtime API takes effect at once", async () => {
        await startEdge("split");
        await apply({ candidatePercent: 30 });
        const at30 = await tally(url, requests);
        assert.ok(Math.abs(share(at30, "v2") - 30) <= 3, `v2 share ${share(at30, "v2").toFixed(1)}% at weight 30: ${JSON.stringify(at30)}`);
        assert.equal(share(at30, "v1") + share(at30, "v2"), 100, "no failed request");
        console.log(`        weight 30: v2 answered ${share(at30, "v2").toFixed(1)}% of ${requests}`);

        await apply({ candidatePercent: 70 });
        const at70 = await tally(url, requests);
        assert.ok(Math.abs(share(at70, "v2") - 70) <= 3, `v2 share ${share(at70, "v2").toFixed(1)}% at weight 70`);
        console.log(`        weight 70: v2 answered ${share(at70, "v2").toFixed(1)}% of ${requests}`);
        assert.equal(fs.readFileSync(path.join(dir, "state", "routing.map"), "utf8"), "candidate_percent 70\n", "kept for a restart");
    });

    it("canary: changing the weight under load loses no request", async () => {
        await startEdge("split");
        let stop = false;
        const load = (async () => {
            const counts: Record<string, number> = {};
            for (let i = 0; i < 20000 && !stop; i++) {
                const r = await tally(url, 1);
                for (const [k, v] of Object.entries(r)) counts[k] = (counts[k] ?? 0) + v;
            }
            return counts;
        })();
        for (const weight of [10, 50, 90, 0, 100, 25]) {
            await apply({ candidatePercent: weight });
            await new Promise((r) => setTimeout(r, 150));
        }
        stop = true;
        const counts = await load;
        assert.deepEqual(Object.keys(counts).filter((k) => k.startsWith("status")), [], JSON.stringify(counts));
        assert.ok((counts.v1 ?? 0) > 0 && (counts.v2 ?? 0) > 0, JSON.stringify(counts));
        console.log(`        six weight changes under load: ${JSON.stringify(counts)}`);
    });

    /**
     * 240 simulated users (each a cookie jar and a connection) at 240 requests/s while the weight steps
     * 10 -> 30 -> 60 -> 0, ~6 requests per user per step: per step, the users' figures over the step's
     * window (from 300 ms after the weight applied to the next change) and who was on the candidate.
     */
    async function usersThroughSteps(weights: number[]): Promise<{ weight: number; figures: UserFigures; onCandidate: Set<number>; answersPerUser: number[] }[]> {
        const probe = new Probe({ url, ratePerSecond: 240, durationS: 6.5 * weights.length + 1, timeoutMs: 2000, maxInFlight: 400, users: 240 });
        const run = probe.run();
        const windows: { weight: number; from: number; to: number }[] = [];
        for (const weight of weights) {
            await apply({ candidatePercent: weight });
            const from = probe.elapsedMs() + 300;
            await new Promise((r) => setTimeout(r, 6000));
            windows.push({ weight, from, to: probe.elapsedMs() });
        }
        probe.stop();
        await run;
        const records: readonly ProbeRecord[] = probe.snapshot();
        return windows.map(({ weight, from, to }) => {
            const inWindow = records.filter((r) => r.sentAtMs >= from && r.sentAtMs < to);
            const answers = new Map<number, number>();
            inWindow.filter((r) => r.version !== undefined).forEach((r) => answers.set(r.user!, (answers.get(r.user!) ?? 0) + 1));
            return {
                weight,
                figures: userFigures(records, from, to),
                onCandidate: new Set(inWindow.filter((r) => r.version === "v2").map((r) => r.user!)),
                answersPerUser: [...answers.values()],
            };
        });
    }

    it("canary.sticky: 240 users each stay on one version at every weight; a raised weight only adds users to v2; weight 0 returns all to v1", async () => {
        await startEdge("split", undefined, true);
        const steps = await usersThroughSteps([10, 30, 60, 0]);
        for (const { weight, figures } of steps) {
            console.log(`        sticky, weight ${weight}: ${figures.users} users, shares ${JSON.stringify(figures.shares)}, flip rate ${figures.flipRate}`);
            assert.equal(figures.users, 240, `every user answered at weight ${weight}`);
            assert.equal(figures.flipped, 0, `no user saw both versions at weight ${weight}: ${JSON.stringify(figures)}`);
            // 240 users drawn at random: the share of users is the weight within 4 binomial deviations.
            const tolerance = 4 * Math.sqrt((weight / 100) * (1 - weight / 100) / 240) * 100;
            assert.ok(Math.abs((figures.shares.v2 ?? 0) * 100 - weight) <= tolerance, `users on v2 at weight ${weight}: ${JSON.stringify(figures.shares)}`);
        }
        // A user on v2 at 10 is on v2 at 30 and at 60: raising the weight moves only the users it adds.
        assert.deepEqual([...steps[0].onCandidate].filter((u) => !steps[1].onCandidate.has(u)), []);
        assert.deepEqual([...steps[1].onCandidate].filter((u) => !steps[2].onCandidate.has(u)), []);
        assert.deepEqual(steps[3].figures.shares, { v1: 1 }, "weight 0: every user on v1");
    });

    it("without sticky, users flip between the versions at every weight between 0 and 100 (the figure sticky removes)", async () => {
        await startEdge("split");
        const steps = await usersThroughSteps([10, 30, 60]);
        for (const { weight, figures, answersPerUser } of steps) {
            // Each answer drawn at the weight: a user with n answers sees one version only with probability
            // p^n + (1-p)^n. The expected flipped users, and 4 standard deviations below it.
            const p = weight / 100;
            const flipChance = answersPerUser.map((n) => 1 - p ** n - (1 - p) ** n);
            const expected = flipChance.reduce((a, b) => a + b, 0);
            const sd = Math.sqrt(flipChance.reduce((a, q) => a + q * (1 - q), 0));
            console.log(`        not sticky, weight ${weight}: ${figures.users} users, shares ${JSON.stringify(figures.shares)}, flip rate ${figures.flipRate} (expected ${(expected / figures.users).toFixed(3)})`);
            assert.ok(figures.flipped >= expected - 4 * sd && figures.flipped > 0, `users flip at weight ${weight}: ${JSON.stringify(figures)}; expected ${expected.toFixed(1)} ± ${sd.toFixed(1)}`);
        }
    });

    it("blue/green: all traffic to the live colour, switched in one step", async () => {
        await startEdge("switch");
        await apply({ candidatePercent: 0 });
        assert.deepEqual(await tally(url, 300), { v1: 300 });
        await apply({ candidatePercent: 100 });
        assert.deepEqual(await tally(url, 300), { v2: 300 });
    });

    it("A/B by header: the matching value goes to the candidate, everything else to stable", async () => {
        await startEdge("match", { header: "X-Canary" });
        await apply({ matchValues: ["on"] });
        assert.deepEqual(await tally(url, 200, { "X-Canary": "on" }), { v2: 200 });
        assert.deepEqual(await tally(url, 200, { "X-Canary": "off" }), { v1: 200 });
        assert.deepEqual(await tally(url, 200), { v1: 200 });
        await apply({ matchValues: ["beta"] });
        assert.deepEqual(await tally(url, 100, { "X-Canary": "on" }), { v1: 100 });
        assert.deepEqual(await tally(url, 100, { "X-Canary": "beta" }), { v2: 100 });
    });

    it("A/B by cookie: `always` goes to the candidate (a fixed value: nothing to apply)", async () => {
        await startEdge("match", { cookie: "canary" });
        assert.deepEqual(await tally(url, 200, { cookie: "session=1; canary=always" }), { v2: 200 });
        assert.deepEqual(await tally(url, 200, { cookie: "canary=never" }), { v1: 200 });
        assert.deepEqual(await tally(url, 100), { v1: 100 });
    });

    it("A/B by header and cookie together: either one sends to the candidate, as on Kubernetes", async () => {
        await startEdge("match", { header: "X-Canary", cookie: "canary" });
        await apply({ matchValues: ["on"] });
        assert.deepEqual(await tally(url, 100, { "X-Canary": "on" }), { v2: 100 });
        assert.deepEqual(await tally(url, 100, { cookie: "canary=always" }), { v2: 100 });
        assert.deepEqual(await tally(url, 100, { "X-Canary": "off", cookie: "canary=never" }), { v1: 100 });
        assert.deepEqual(await tally(url, 100), { v1: 100 });
        await apply({ matchValues: ["beta"] });
        assert.deepEqual(await tally(url, 100, { "X-Canary": "on" }), { v1: 100 });
        assert.deepEqual(await tally(url, 100, { cookie: "canary=always" }), { v2: 100 }, "the cookie rule survives a header value change");
    });

    it("a stable server shutting down mid-load loses no request", async () => {
        await startEdge("single");
        const load = tally(url, 3000);
        await new Promise((r) => setTimeout(r, 300));
        await apps[0].shutdown();
        const counts = await load;
        assert.deepEqual(counts, { v1: 3000 });
    });

    it("edge-apply refuses a map HAProxy does not have", async () => {
        await startEdge("split");
        await assert.rejects(
            runWithInput(edgeApplyScript, [], "=== nope.map\nx 1\n", { HAPROXY_SOCKET: path.join(dir, "admin.sock"), STATE_DIR: path.join(dir, "state") }),
            /HAProxy has no map/,
        );
    });
});
