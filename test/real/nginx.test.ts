import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DemoApp } from "../../app/src/server";
import { NginxShadowSpec, nginxConfigFingerprint, renderNginxShadowConfig } from "../../components/routers/nginxShadow/nginxConfig";
import { repoRoot } from "../support/pulumiHarness";
import { Program, check, freePort, startNginx, runWithInput, startApp, tally, tempDir } from "../support/localProcesses";

// The shadow edge: the generated nginx.conf checked by the real `nginx -t`, run by the real NGINX on
// 127.0.0.1 in front of real demo app servers, its sampling changed by the real edge-apply.sh.

const applyScript = path.join(repoRoot, "edge", "nginx", "edge-apply.sh");

/** Requests the candidate has answered so far (copies included), read from its own /metrics. */
async function answeredBy(address: string): Promise<number> {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    return text
        .split("\n")
        .filter((l) => l.startsWith("http_requests_total{"))
        .reduce((sum, l) => sum + Number(l.split(" ")[1]), 0);
}

describe("NGINX shadow edge (real nginx on 127.0.0.1)", function () {
    this.timeout(120000);
    let apps: DemoApp[] = [];
    let nginx: Program | undefined;
    let dir: string;
    let url: string;
    let candidate: string;
    let spec: NginxShadowSpec;

    afterEach(async () => {
        await nginx?.stop();
        nginx = undefined;
        await Promise.all(apps.map((a) => a.shutdown()));
        apps = [];
    });

    async function startEdge(percent: number): Promise<void> {
        const stable = [await startApp("v1", "blue", apps), await startApp("v1", "blue", apps)];
        candidate = await startApp("v2", "green", apps);
        dir = tempDir("nginx");
        const port = await freePort();
        const statsPort = await freePort();
        spec = {
            stable: { kind: "static", addresses: stable },
            candidate: { kind: "static", addresses: [candidate] },
            percent,
            listen: `127.0.0.1:${port}`,
            statsListen: `127.0.0.1:${statsPort}`,
            runDir: dir,
        };
        nginx = await startNginx(dir, renderNginxShadowConfig(spec), port);
        url = `http://127.0.0.1:${port}/`;
    }

    function apply(percent: number): Promise<string> {
        return runWithInput(applyScript, [], renderNginxShadowConfig({ ...spec, percent }), {
            NGINX_CONF: path.join(dir, "nginx.conf"),
            STATS_URL: `http://${spec.statsListen}/_edge_config`,
            WAIT_SECONDS: "10",
        });
    }

    /** Copies the candidate answered since `before`, once the count has stopped moving. */
    async function settledCopies(before: number): Promise<number> {
        let last = -1;
        for (let i = 0; i < 50; i++) {
            const now = await answeredBy(candidate);
            if (now === last) {
                break;
            }
            last = now;
            await new Promise((r) => setTimeout(r, 300));
        }
        return last - before;
    }

    it("the Swarm variant (DNS discovery through Docker's resolver) passes nginx -t", async () => {
        const d = tempDir("nginx-check");
        const conf = path.join(d, "nginx.conf");
        fs.writeFileSync(
            conf,
            renderNginxShadowConfig({
                stable: { kind: "dns", hostname: "tasks.demo-stable", port: 8080, slots: 10 },
                candidate: { kind: "dns", hostname: "tasks.demo-canary", port: 8080, slots: 10 },
                percent: 50,
                // The container listens on 80 and 8404; nginx -t binds them, which a user who is not root may not.
                listen: String(await freePort()),
                statsListen: String(await freePort()),
                runDir: d,
                nameserver: "127.0.0.1",
            }),
        );
        const checked = check("nginx", ["-t", "-e", "stderr", "-c", conf]);
        assert.equal(checked.status, 0, checked.output);
    });

    it("answers every request from stable and copies every one to the candidate at 100%", async () => {
        await startEdge(100);
        const before = await answeredBy(candidate);
        assert.deepEqual(await tally(url, 300), { v1: 300 });
        assert.equal(await settledCopies(before), 300);
    });

    it("copies the configured share, changed by a graceful reload that loses no request", async () => {
        await startEdge(100);
        let before = await answeredBy(candidate);
        const loadDuringReload = tally(url, 1500);
        await new Promise((r) => setTimeout(r, 200));
        const out = await apply(25);
        assert.match(out, new RegExp(`nginx.conf ${nginxConfigFingerprint(renderNginxShadowConfig({ ...spec, percent: 25 }))} serving`));
        assert.deepEqual(await loadDuringReload, { v1: 1500 }, "no request lost across the reload");

        await new Promise((r) => setTimeout(r, 500));
        before = await answeredBy(candidate);
        const total = 4000;
        assert.deepEqual(await tally(url, total), { v1: total });
        const share = (100 * (await settledCopies(before))) / total;
        console.log(`        shadow 25%: candidate received ${share.toFixed(1)}% of ${total} requests as copies`);
        assert.ok(Math.abs(share - 25) <= 3, `candidate got ${share.toFixed(1)}% of requests`);
    });

    it("edge-apply keeps the running configuration when the new one is refused", async () => {
        await startEdge(100);
        await assert.rejects(
            runWithInput(applyScript, [], renderNginxShadowConfig(spec).replace("worker_processes 1;", "worker_processes banana;"), {
                NGINX_CONF: path.join(dir, "nginx.conf"),
                STATS_URL: `http://${spec.statsListen}/_edge_config`,
            }),
            /nginx -t refused/,
        );
        assert.deepEqual(await tally(url, 20), { v1: 20 });
    });
});
