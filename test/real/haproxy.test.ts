import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DemoApp } from "../../app/src/server";
import { HaproxySpec, RoutingState, renderHaproxyConfig } from "../../components/routers/haproxy/haproxyConfig";
import { HaproxyEdge, edgeApplyScript, startHaproxyEdge } from "../support/haproxyEdge";
import { check, runWithInput, startApp, tally, tempDir } from "../support/localProcesses";

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

    async function startEdge(routing: HaproxySpec["routing"], match?: HaproxySpec["match"]): Promise<void> {
        const stable = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
        const candidate = routing === "single" ? undefined : [await startApp("v2", "green", apps)];
        edge = await startHaproxyEdge(routing, stable, candidate, match);
        dir = edge.dir;
        url = edge.url;
    }

    const apply = (state: RoutingState) => edge!.apply(state);

    it("every routing's configuration passes haproxy -c, with Swarm DNS discovery too", () => {
        const d = tempDir("haproxy-check");
        for (const strategy of ["single", "switch", "split", "match"] as const) {
            const cfg = renderHaproxyConfig({
                routing: strategy,
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
            fs.writeFileSync(path.join(d, `${strategy}.cfg`), cfg);
            const checked = check("haproxy", ["-c", "-f", path.join(d, `${strategy}.cfg`)]);
            assert.equal(checked.status, 0, `${strategy}: ${checked.output}`);
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
