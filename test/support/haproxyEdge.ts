// The lab's HAProxy edge run for real on 127.0.0.1: the generated haproxy.cfg (checked by `haproxy -c`)
// in front of given servers, its routing changed by the real edge-apply.sh through the runtime API.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { HaproxySpec, RoutingState, edgeApplyInput, renderHaproxyConfig, routingMaps } from "../../components/routers/haproxy/haproxyConfig";
import { repoRoot } from "./pulumiHarness";
import { DemoApp } from "../../app/src/server";
import { Program, check, freePort, runWithInput, startApp, tempDir, waitForPort } from "./localProcesses";

export const edgeApplyScript = path.join(repoRoot, "edge", "haproxy", "edge-apply.sh");

export interface HaproxyEdge {
    url: string;
    dir: string;
    program: Program;
    /** The haproxy.cfg it runs. */
    cfg: string;
    /** The master reloads (SIGUSR2): a new worker takes the listener, the old one finishes its requests. */
    reload(): Promise<void>;
    /** The whole process stopped and started again on the same configuration and port. */
    restart(): Promise<void>;
    /** A runtime API command through the admin socket (socat), e.g. `show stat`. */
    api(command: string): Promise<string>;
    /** edge-apply.sh with this routing state (what the program's edge-apply command feeds it). */
    apply(state: RoutingState): Promise<string>;
    stop(): Promise<void>;
}

export async function startHaproxyEdge(
    routing: HaproxySpec["routing"],
    stable: string[],
    candidate: string[] | undefined,
    match?: HaproxySpec["match"],
    options: Pick<HaproxySpec, "sticky"> & {
        /** Edits the rendered configuration before it is checked and run (a test removing a protection). */
        edit?: (cfg: string) => string;
    } = {},
): Promise<HaproxyEdge> {
    const dir = tempDir("haproxy");
    const stateDir = path.join(dir, "state");
    fs.mkdirSync(stateDir);
    for (const [file, content] of Object.entries(routingMaps({ candidatePercent: 0, matchValues: [] }))) {
        fs.writeFileSync(path.join(stateDir, file), content);
    }
    const port = await freePort();
    const socket = path.join(dir, "admin.sock");
    const spec: HaproxySpec = {
        routing,
        stable: { kind: "static", addresses: stable },
        candidate: candidate === undefined ? undefined : { kind: "static", addresses: candidate },
        match,
        sticky: options.sticky,
        bind: `127.0.0.1:${port}`,
        statsBind: `127.0.0.1:${await freePort()}`,
        socketPath: socket,
        stateDir,
    };
    const cfg = path.join(dir, "haproxy.cfg");
    const rendered = renderHaproxyConfig(spec);
    fs.writeFileSync(cfg, options.edit === undefined ? rendered : options.edit(rendered));
    const checked = check("haproxy", ["-c", "-f", cfg]);
    assert.equal(checked.status, 0, checked.output);
    let program = new Program("haproxy", ["-W", "-db", "-f", cfg]);
    await waitForPort(port);
    const api = (command: string) => runWithInput("socat", ["-t", "5", "stdio", `unix-connect:${socket}`], `${command}\n`, {});
    const edge: HaproxyEdge = {
        url: `http://127.0.0.1:${port}/`,
        dir,
        get program() {
            return program;
        },
        cfg,
        api,
        apply: (state) => runWithInput(edgeApplyScript, [], edgeApplyInput(state), { HAPROXY_SOCKET: socket, STATE_DIR: stateDir, WAIT_SECONDS: "5" }),
        stop: () => program.stop(),
        async reload() {
            const before = program.log.length;
            program.signal("SIGUSR2");
            // The master logs the new worker's start once it is up.
            for (let i = 0; i < 100 && !/Loading success|Reexecuting|worker .* started/i.test(program.log.slice(before)); i++) {
                await new Promise((r) => setTimeout(r, 50));
            }
        },
        async restart() {
            await program.stop();
            program = new Program("haproxy", ["-W", "-db", "-f", cfg]);
            await waitForPort(port);
        },
    };
    // Every server UP before traffic: the health checks have passed once.
    for (let i = 0; i < 100; i++) {
        const csv = await api("show stat");
        const servers = csv.split("\n").filter((l) => /^be_\w+,(stable|candidate)\d/.test(l));
        if (servers.length > 0 && servers.every((l) => l.split(",")[17] === "UP")) {
            return edge;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    await program.stop();
    throw new Error(`servers not UP: ${program.log}`);
}

/**
 * A suite's edge and its demo app servers (`stable` v1 and `candidate` v2 servers), all stopped after each
 * test: call it in a describe block.
 */
export function edgeFixture(): {
    readonly apps: DemoApp[];
    start(routing: HaproxySpec["routing"], counts: { stable: number; candidate: number }, options?: Parameters<typeof startHaproxyEdge>[4]): Promise<HaproxyEdge>;
} {
    let apps: DemoApp[] = [];
    let edge: HaproxyEdge | undefined;
    afterEach(async () => {
        await edge?.stop();
        edge = undefined;
        await Promise.all(apps.map((a) => a.shutdown()));
        apps = [];
    });
    return {
        get apps() {
            return apps;
        },
        async start(routing, counts, options) {
            const stable: string[] = [];
            for (let i = 0; i < counts.stable; i++) stable.push(await startApp("v1", "blue", apps));
            const candidate: string[] = [];
            for (let i = 0; i < counts.candidate; i++) candidate.push(await startApp("v2", "green", apps));
            edge = await startHaproxyEdge(routing, stable, candidate, undefined, options);
            return edge;
        },
    };
}
