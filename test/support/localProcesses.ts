// Real programs on 127.0.0.1 for the real-component tests: demo app servers, HAProxy, NGINX.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DemoApp, createDemoApp } from "../../app/src/server";
import { settingsFromEnv } from "../../app/src/settings";
import { requireProgram } from "./programs";

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `rollout-lab-${prefix}-`));
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1");
            socket.once("connect", () => (socket.destroy(), resolve(true)));
            socket.once("error", () => resolve(false));
        });
        if (ok) {
            return;
        }
        if (Date.now() > until) {
            throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
}

/**
 * A demo app server of one version on 127.0.0.1; returns its address. A bad release (`errorRate`,
 * `latencyMs`) fails every errorRate-th request exactly: a fixed cycle, not chance, so figures repeat.
 */
export async function startApp(
    version: string,
    color: string,
    running: DemoApp[],
    bad?: { errorRate?: number; latencyMs?: number },
    /** Given the app's settings object, which it reads on every request: a test can break the app mid-run. */
    onSettings?: (settings: { errorRate: number; latencyMs: number }) => void,
): Promise<string> {
    let n = 0;
    const cycle = bad === undefined ? undefined : () => ((n++ % 10) + 0.5) / 10;
    const settings = { ...settingsFromEnv({}), version, color, host: "127.0.0.1", port: 0, errorRate: bad?.errorRate ?? 0, latencyMs: bad?.latencyMs ?? 0 };
    onSettings?.(settings);
    const app = createDemoApp(settings, cycle);
    await new Promise<void>((resolve) => app.server.listen(0, "127.0.0.1", resolve));
    running.push(app);
    return `127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;
}

/** Runs a checker such as `haproxy -c`; returns its exit status and output. */
export function check(command: string, args: string[]): { status: number | null; output: string } {
    const r = spawnSync(requireProgram(command), args, { encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A long-running program; stopped (and waited for) by stop(). */
export class Program {
    private readonly child: ChildProcess;
    private output = "";
    private readonly exited: Promise<void>;

    constructor(command: string, args: string[], options: { cwd?: string } = {}) {
        this.child = spawn(requireProgram(command), args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
        this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.exited = new Promise((resolve) => this.child.on("exit", () => resolve()));
    }

    get log(): string {
        return this.output;
    }

    /** Sends a signal (HAProxy's master reloads on SIGUSR2). */
    signal(signal: NodeJS.Signals): void {
        this.child.kill(signal);
    }

    async stop(): Promise<void> {
        if (this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGTERM");
            const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
            await this.exited;
            clearTimeout(timer);
        }
    }
}

/** Writes nginx.conf into `dir`, has the real `nginx -t` accept it, starts NGINX and waits for `port`. */
export async function startNginx(dir: string, config: string, port: number): Promise<Program> {
    const conf = path.join(dir, "nginx.conf");
    fs.writeFileSync(conf, config);
    const checked = check("nginx", ["-t", "-e", "stderr", "-c", conf]);
    if (checked.status !== 0) {
        throw new Error(`nginx -t refused the config: ${checked.output}`);
    }
    const nginx = new Program("nginx", ["-e", "stderr", "-c", conf]);
    await waitForPort(port);
    return nginx;
}

/** Runs a script with `input` on stdin; rejects with its output when it fails. */
export function runWithInput(command: string, args: string[], input: string, env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(requireProgram(command), args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`))));
        child.stdin.end(input);
    });
}

/** Sends `count` sequential requests; counts answers by version, failures by status. */
export async function tally(url: string, count: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
        const res = await fetch(url, { headers });
        const key = res.status === 200 ? ((await res.json()) as { version: string }).version : `status ${res.status}`;
        if (res.status !== 200) {
            await res.text();
        }
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}
