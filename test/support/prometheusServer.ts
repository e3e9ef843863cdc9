// A real Prometheus (Debian's package) on 127.0.0.1 for the real-component tests, configured by the
// lab's own generator, and the waits that tell it is ready and scraping.
import { strict as assert } from "assert";
import * as path from "path";
import * as fs from "fs";
import { StaticTargets, prometheusArgs, renderPrometheusConfig } from "../../monitoring";
import { Program, check, freePort } from "./localProcesses";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { requireProgram } from "./programs";

/** Writes the generated static config (checked by promtool), starts Prometheus and waits until it is ready. */
export async function startPrometheus(dir: string, targets: Omit<StaticTargets, "platform" | "selfAddress">): Promise<{ api: string; program: Program }> {
    const port = await freePort();
    const configFile = path.join(dir, "prometheus.yml");
    fs.writeFileSync(configFile, renderPrometheusConfig({ platform: "static", ...targets, selfAddress: `127.0.0.1:${port}` }));
    const c = check("promtool", ["check", "config", configFile]);
    assert.equal(c.status, 0, c.output);
    const args = prometheusArgs({ configFile, storagePath: path.join(dir, "data"), retention: "1h", listenAddress: `127.0.0.1:${port}` });
    assert.ok(args.includes("--storage.tsdb.retention.time=1h"));
    const program = new Program("prometheus", args, { cwd: dir });
    const api = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
        try {
            const res = await fetch(`${api}/-/ready`, { signal: AbortSignal.timeout(1000) });
            await res.text();
            if (res.status === 200) {
                return { api, program };
            }
        } catch {
            // not listening yet
        }
        await sleep(100);
    }
    await program.stop();
    throw new Error(`Prometheus not ready after 10 s: ${program.log}`);
}

/** Waits until Prometheus has `count` active targets, all up. */
export async function waitAllTargetsUp(api: string, count: number): Promise<void> {
    let last = "";
    for (let i = 0; i < 50; i++) {
        const res = await fetch(`${api}/api/v1/targets?state=active`);
        const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
        const targets = body.data.activeTargets;
        last = targets.map((t) => `${t.labels.job} ${t.labels.instance} ${t.health} ${t.lastError}`).join("; ");
        if (targets.length === count && targets.every((t) => t.health === "up")) {
            return;
        }
        await sleep(200);
    }
    throw new Error(`targets not all up after 10 s: ${last}`);
}
