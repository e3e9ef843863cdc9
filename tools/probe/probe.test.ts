import { strict as assert } from "assert";
import { DemoApp } from "../../app/src/server";
import { Probe } from "./probe";
import * as http from "http";
import * as net from "net";
import { ProbeRecord, secondLine, summarize, timeline, userFigures } from "./summary";
import { freePort, startApp } from "../../test/support/localProcesses";

describe("traffic probe: summary", () => {
    const records: ProbeRecord[] = [
        { sentAtMs: 0, latencyMs: 2, version: "v1" },
        { sentAtMs: 500, latencyMs: 2, version: "v1" },
        { sentAtMs: 1000, latencyMs: 2, version: "v1" },
        { sentAtMs: 1200, latencyMs: 5, error: "http-503" },
        { sentAtMs: 1400, latencyMs: 2000, error: "timeout" },
        { sentAtMs: 1600, latencyMs: 3, version: "v2" },
        { sentAtMs: 1800, latencyMs: 4, version: "v1" },
        { sentAtMs: 2000, latencyMs: 2, error: "refused" },
        { sentAtMs: 2200, latencyMs: 3, version: "v2" },
    ];

    it("counts failures by kind and finds the error window", () => {
        const s = summarize(records, { url: "u", ratePerSecond: 5, durationS: 2 });
        assert.equal(s.requests, 9);
        assert.equal(s.ok, 6);
        assert.deepEqual(s.failures, { "http-503": 1, timeout: 1, refused: 1 });
        assert.deepEqual(s.errorWindow, { firstS: 1.2, lastS: 2, durationS: 0.8 });
        assert.deepEqual(s.versions, { v1: { count: 4, share: 0.6667 }, v2: { count: 2, share: 0.3333 } });
        assert.equal(s.latencyMs.max, 2000);
        assert.equal(s.change, null);
    });

    it("measures the time from a marked change to the old version's last answer", () => {
        const s = summarize(records, { url: "u", ratePerSecond: 5, durationS: 2, markedAtMs: 1100 });
        assert.deepEqual(s.change, { markedAtS: 1.1, oldVersion: "v1", lastOldVersionAtS: 1.804, timeToLastOldS: 0.704, firstNewVersionAtS: 1.603 });
    });

    it("buckets answers by version and failures per second (a timeline for the plots)", () => {
        assert.deepEqual(timeline(records), [
            { t: 0, versions: { v1: 2 }, failed: 0 },
            { t: 1, versions: { v1: 2, v2: 1 }, failed: 2 },
            { t: 2, versions: { v2: 1 }, failed: 1 },
        ]);
        assert.deepEqual(timeline(records, 2).map((b) => b.failed), [2, 1]);
        assert.deepEqual(timeline([]), []);
    });

    it("counts users, not requests: the share of users who saw only one version, and the users who saw both", () => {
        const byUser: ProbeRecord[] = [
            { sentAtMs: 0, latencyMs: 1, version: "v1", user: 0 },
            { sentAtMs: 10, latencyMs: 1, version: "v1", user: 1 },
            { sentAtMs: 20, latencyMs: 1, version: "v2", user: 2 },
            { sentAtMs: 30, latencyMs: 1, version: "v1", user: 0 },
            { sentAtMs: 40, latencyMs: 1, version: "v2", user: 1 },
            { sentAtMs: 50, latencyMs: 1, error: "timeout", user: 3 },
            { sentAtMs: 60, latencyMs: 1, version: "v2", user: 2 },
            { sentAtMs: 70, latencyMs: 1, version: "v1", user: 3 },
        ];
        // users 0 (v1 v1), 1 (v1 v2: flipped), 2 (v2 v2), 3 (a timeout, then v1)
        assert.deepEqual(userFigures(byUser), { users: 4, shares: { v1: 0.5, v2: 0.25 }, flipped: 1, flipRate: 0.25 });
        // From 35 ms on: user 1 saw only v2.
        assert.deepEqual(userFigures(byUser, 35), { users: 3, shares: { v1: 0.3333, v2: 0.6667 }, flipped: 0, flipRate: 0 });
        assert.deepEqual(summarize(byUser, { url: "u", ratePerSecond: 100, durationS: 1 }).users, userFigures(byUser));
        assert.equal(summarize(records, { url: "u", ratePerSecond: 5, durationS: 2 }).users, undefined, "no users simulated, no user figures");
    });

    it("prints one line per second with the version mix and errors", () => {
        assert.equal(secondLine(1, records), "   2s  sent    5  v1 2  v2 1  errors: http-503 1  timeout 1");
        assert.equal(secondLine(2, records), "   3s  sent    2  v2 1  errors: refused 1");
    });
});

describe("traffic probe: against real servers on 127.0.0.1", function () {
    this.timeout(30000);
    const apps: DemoApp[] = [];
    after(async () => Promise.all(apps.map((a) => a.shutdown())));

    it("sends the asked rate for the asked time and sees every answer", async () => {
        const address = await startApp("v7", "blue", apps);
        const lines: string[] = [];
        const t0 = Date.now();
        const s = await new Probe({ url: `http://${address}/`, ratePerSecond: 100, durationS: 2, timeoutMs: 1000, maxInFlight: 50, onSecond: (l) => lines.push(l) }).run();
        const took = Date.now() - t0;
        assert.equal(s.requests, 200);
        assert.equal(s.ok, 200);
        assert.deepEqual(s.versions, { v7: { count: 200, share: 1 } });
        assert.ok(took >= 1900 && took < 5000, `took ${took} ms`);
        assert.equal(lines.length, 2);
        assert.match(lines[0], /^ {3}1s {2}sent {2}100 {2}v7 100 {2}errors: none$/);
    });

    it("tells refused connections from HTTP errors", async () => {
        const closed = await freePort();
        const refused = await new Probe({ url: `http://127.0.0.1:${closed}/`, ratePerSecond: 50, durationS: 0.4, timeoutMs: 1000, maxInFlight: 10 }).run();
        assert.deepEqual(refused.failures, { refused: 20 });
        assert.equal(refused.errorWindow?.firstS, 0);

        const failing = await startApp("v9", "green", apps);
        apps[apps.length - 1].server.removeAllListeners("request");
        apps[apps.length - 1].server.on("request", (_req, res) => {
            res.writeHead(503);
            res.end();
        });
        const s = await new Probe({ url: `http://${failing}/`, ratePerSecond: 50, durationS: 0.4, timeoutMs: 1000, maxInFlight: 10 }).run();
        assert.deepEqual(s.failures, { "http-503": 20 });
    });

    it("sends the headers on the asked share of requests only (an A/B test group), spread evenly", async () => {
        const seen: boolean[] = [];
        const server = http.createServer((req, res) => {
            seen.push(req.headers["x-group"] === "beta");
            res.end(JSON.stringify({ version: "v1" }));
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
            const s = await new Probe({ url, ratePerSecond: 100, durationS: 1, timeoutMs: 1000, maxInFlight: 20, headers: { "X-Group": "beta" }, headerShare: 0.25 }).run();
            assert.equal(s.ok, 100);
            assert.equal(seen.filter(Boolean).length, 25);
        } finally {
            server.close();
        }
        assert.throws(() => new Probe({ url: "http://127.0.0.1:1/", ratePerSecond: 1, durationS: 1, timeoutMs: 1, maxInFlight: 1, headerShare: 2 }), /header share: got 2; allowed: a number from 0 to 1/);
    });

    it("simulates users: each keeps the cookies its answers set and sends them back, on a connection of its own", async () => {
        let issued = 0;
        const cookiesSeen: (string | undefined)[] = [];
        const idsBySocket = new Map<unknown, Set<string>>();
        const server = http.createServer((req, res) => {
            cookiesSeen.push(req.headers.cookie);
            const id = /(?:^|; )id=(\d+)/.exec(req.headers.cookie ?? "")?.[1];
            if (id !== undefined) {
                (idsBySocket.get(req.socket) ?? idsBySocket.set(req.socket, new Set()).get(req.socket)!).add(id);
            }
            const headers: Record<string, string> = /(^|; )id=/.test(req.headers.cookie ?? "") ? {} : { "Set-Cookie": `id=${issued++}; Path=/; SameSite=Lax` };
            res.writeHead(200, headers);
            res.end(JSON.stringify({ version: "v1" }));
        });
        const sockets = new Set<unknown>();
        server.on("connection", (s) => sockets.add(s));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
            // 5 users, 6 requests each, one every 250 ms per user: a user's next request leaves after its last answer.
            const s = await new Probe({ url, ratePerSecond: 20, durationS: 1.5, timeoutMs: 1000, maxInFlight: 20, users: 5, headers: { Cookie: "given=1" } }).run();
            assert.equal(s.ok, 30);
            assert.deepEqual(s.users, { users: 5, shares: { v1: 1 }, flipped: 0, flipRate: 0 });
            assert.equal(issued, 5, "one cookie per user: every later request sent it back");
            assert.deepEqual(cookiesSeen.slice(0, 5), Array(5).fill("given=1"), "the first request of each user carries only the cookie it was given");
            assert.deepEqual(new Set(cookiesSeen.slice(5)), new Set([0, 1, 2, 3, 4].map((i) => `given=1; id=${i}`)));
            // A user may open a second connection while a request is in flight, as a browser does; none carries two users.
            assert.ok(sockets.size >= 5 && sockets.size < 30, `${sockets.size} connections for 30 requests: kept alive`);
            assert.deepEqual([...idsBySocket.values()].filter((ids) => ids.size > 1), [], "no connection carries two users' requests");
        } finally {
            server.close();
        }
        assert.throws(() => new Probe({ url: "http://127.0.0.1:1/", ratePerSecond: 1, durationS: 1, timeoutMs: 1, maxInFlight: 1, users: 0 }), /users: got 0; allowed: a whole number from 1 to 10000/);
    });

    it("opens a new connection per request when asked (a per-connection balancer then sees every request), else reuses them", async () => {
        const connections = { count: 0 };
        const server = http.createServer((_req, res) => res.end(JSON.stringify({ version: "v1" })));
        server.on("connection", () => connections.count++);
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
            const fresh = await new Probe({ url, ratePerSecond: 50, durationS: 1, timeoutMs: 1000, maxInFlight: 4, newConnections: true }).run();
            assert.equal(fresh.ok, 50);
            assert.equal(connections.count, 50);
            connections.count = 0;
            const reused = await new Probe({ url, ratePerSecond: 50, durationS: 1, timeoutMs: 1000, maxInFlight: 4 }).run();
            assert.equal(reused.ok, 50);
            assert.ok(connections.count <= 4, `kept-alive: ${connections.count} connections for 50 requests`);
        } finally {
            server.close();
        }
    });

    it("refuses a rate it cannot bound", () => {
        assert.throws(() => new Probe({ url: "http://127.0.0.1:1/", ratePerSecond: 0, durationS: 1, timeoutMs: 1, maxInFlight: 1 }), /rate: got 0/);
    });
});
