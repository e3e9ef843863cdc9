import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { AddressInfo } from "net";
import * as path from "path";
import { DemoApp, createDemoApp } from "../src/server";
import { AppSettings, SettingsError, settingsFromEnv } from "../src/settings";

function settings(overrides: Partial<AppSettings> = {}): AppSettings {
    return { ...settingsFromEnv({ VERSION: "v1", APP_COLOR: "blue", HOST: "127.0.0.1", PORT: "0" }), ...overrides };
}

async function start(s: AppSettings): Promise<{ app: DemoApp; url: string }> {
    const app = createDemoApp(s);
    await new Promise<void>((resolve) => app.server.listen(0, "127.0.0.1", resolve));
    const port = (app.server.address() as AddressInfo).port;
    return { app, url: `http://127.0.0.1:${port}` };
}

/** The value of the one sample of `name` whose labels include `labels`; fails when there is not exactly one. */
function sample(text: string, name: string, labels: Record<string, string>): number {
    const found = text
        .split("\n")
        .filter((line) => line.startsWith(`${name}{`))
        .map((line) => {
            const m = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line)!;
            const got = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
            return { got, value: Number(m[2]) };
        })
        .filter(({ got }) => Object.entries(labels).every(([k, v]) => got[k] === v));
    assert.equal(found.length, 1, `expected one ${name} sample with ${JSON.stringify(labels)}, found ${found.length}`);
    return found[0].value;
}

describe("demo app (real server on 127.0.0.1)", () => {
    let running: DemoApp[] = [];
    afterEach(async () => {
        await Promise.all(running.map((a) => a.shutdown()));
        running = [];
    });
    async function up(s: AppSettings) {
        const r = await start(s);
        running.push(r.app);
        return r.url;
    }

    it("answers / with its version and colour", async () => {
        const url = await up(settings({ version: "v7", color: "green" }));
        const res = await fetch(`${url}/`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("x-app-version"), "v7");
        const body = (await res.json()) as { version: string; color: string; host: string };
        assert.equal(body.version, "v7");
        assert.equal(body.color, "green");
        assert.ok(body.host.length > 0);
    });

    it("answers /live, and /ready only after READY_DELAY_MS", async () => {
        const url = await up(settings({ readyDelayMs: 400 }));
        assert.equal((await fetch(`${url}/live`)).status, 200);
        assert.equal((await fetch(`${url}/ready`)).status, 503);
        await new Promise((r) => setTimeout(r, 450));
        assert.equal((await fetch(`${url}/ready`)).status, 200);
    });

    it("exports request counts and latency by version and code on /metrics", async () => {
        const url = await up(settings({ version: "v3" }));
        for (let i = 0; i < 5; i++) {
            await (await fetch(`${url}/`)).text();
        }
        await (await fetch(`${url}/nope`)).text();
        const text = await (await fetch(`${url}/metrics`)).text();
        assert.equal(sample(text, "http_requests_total", { version: "v3", code: "200" }), 5);
        assert.equal(sample(text, "http_requests_total", { version: "v3", code: "404" }), 1);
        assert.equal(sample(text, "http_request_duration_seconds_count", { version: "v3", code: "200" }), 5);
        assert.equal(sample(text, "http_request_duration_seconds_bucket", { version: "v3", code: "200", le: "+Inf" }), 5);
        assert.equal(sample(text, "demo_app_info", { version: "v3", color: "blue" }), 1);
        // Probes and scrapes are not app traffic.
        assert.doesNotMatch(text, /http_requests_total\{[^}]*code="503"/);
    });

    it("fails about ERROR_RATE of requests to /", async () => {
        const url = await up(settings({ errorRate: 0.3 }));
        const total = 1500;
        let failed = 0;
        for (let i = 0; i < total; i++) {
            const res = await fetch(`${url}/`);
            await res.text();
            if (res.status === 500) {
                failed++;
            } else {
                assert.equal(res.status, 200);
            }
        }
        const share = failed / total;
        // Binomial sd at n=1500, p=0.3 is 0.012: +-0.05 is over four sd.
        assert.ok(Math.abs(share - 0.3) < 0.05, `failure share ${share.toFixed(3)} is not near 0.3`);
    });

    it("adds LATENCY_MS to every answer of /", async () => {
        const url = await up(settings({ latencyMs: 250 }));
        for (let i = 0; i < 3; i++) {
            const t0 = Date.now();
            await (await fetch(`${url}/`)).text();
            const took = Date.now() - t0;
            assert.ok(took >= 245 && took < 1500, `took ${took} ms`);
        }
        const t0 = Date.now();
        await (await fetch(`${url}/live`)).text();
        assert.ok(Date.now() - t0 < 200, "probes are not slowed down");
    });

    it("takes its colour from APP_COLOR, not the COLOR npm sets for every script", () => {
        assert.equal(settingsFromEnv({ COLOR: "0", APP_COLOR: "green" }).color, "green");
        assert.equal(settingsFromEnv({ COLOR: "1" }).color, "none");
    });

    it("refuses bad settings with the variable, the value and the range", () => {
        assert.throws(
            () => settingsFromEnv({ ERROR_RATE: "1.5" }),
            (e: unknown) => e instanceof SettingsError && e.message === 'ERROR_RATE: got "1.5"; allowed: a number from 0 to 1',
        );
    });
});

describe("demo app process: SIGTERM drains in-flight requests", function () {
    this.timeout(30000);
    let child: ChildProcess | undefined;
    afterEach(() => {
        if (child && child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
        }
    });

    function launch(env: Record<string, string>): Promise<{ url: string; exited: Promise<number | null> }> {
        const main = path.join(__dirname, "..", "src", "main.ts");
        child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", main], {
            env: { ...process.env, HOST: "127.0.0.1", PORT: "0", VERSION: "v2", APP_COLOR: "green", ...env },
            stdio: ["ignore", "pipe", "inherit"],
        });
        const proc = child;
        const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
        return new Promise((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`app did not start: ${out}`)), 20000);
            proc.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve({ url: `http://127.0.0.1:${m[1]}`, exited });
                }
            });
        });
    }

    it("turns unready, answers the request in flight, then exits 0", async () => {
        const { url, exited } = await launch({ LATENCY_MS: "1500", DRAIN_DELAY_MS: "300" });
        const inFlight = fetch(`${url}/`);
        await new Promise((r) => setTimeout(r, 200));
        child!.kill("SIGTERM");
        await new Promise((r) => setTimeout(r, 100));
        // During the drain delay the app still answers, but says it is not ready.
        assert.equal((await fetch(`${url}/ready`, { headers: { connection: "close" } })).status, 503);
        const res = await inFlight;
        assert.equal(res.status, 200);
        assert.equal(((await res.json()) as { version: string }).version, "v2");
        assert.equal(await exited, 0);
        await assert.rejects(fetch(`${url}/`), "no new connections after exit");
    });
});
