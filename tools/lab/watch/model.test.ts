import { strict as assert } from "assert";
import { parseLabConfig } from "../../../components/labConfig";
import { expectationsFrom } from "../check/check";
import { ProbeRecord } from "../../probe/summary";
import { WatchFrame, eventsBetween, plainLine, probeFigures, routingWords, shareBar, stepWords, versionRows } from "./model";

const canaryAt = (weight: number) => expectationsFrom(parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, canary: { weight } }));

function frame(weight: number, replicas: { v1: [number, number]; v2: [number, number] }, problems: string[] = []): WatchFrame {
    const expected = canaryAt(weight);
    return {
        stack: "swarm-canary",
        at: new Date("2026-12-05T12:00:05Z"),
        strategy: "canary",
        routing: routingWords(expected),
        step: stepWords("canary", weight, [10, 50, 100]),
        source: "probe",
        windowS: 10,
        versions: versionRows(
            expected,
            [
                { name: "demo-stable", version: "v1", running: replicas.v1[0], desired: replicas.v1[1] },
                { name: "demo-canary", version: "v2", running: replicas.v2[0], desired: replicas.v2[1] },
            ],
            { kind: "probe", figures: { perVersion: {}, answered: 0, failed: 0 }, users: 0 },
        ),
        problems,
    };
}

describe("lab watch: a frame from its readings", () => {
    it("the probe's figures over the window: each version's answers, requests/s and p95; failures apart", () => {
        // 10 s window ending at 20 s: v1 answers at 10.0..19.5 every 0.5 s (20, latency 1..20 ms), v2 at 10.25..19.75 (20, 5 ms), 3 failures.
        const records: ProbeRecord[] = [];
        for (let i = 0; i < 20; i++) {
            records.push({ sentAtMs: 10_000 + i * 500, latencyMs: i + 1, version: "v1" });
            records.push({ sentAtMs: 10_250 + i * 500, latencyMs: 5, version: "v2" });
        }
        records.push({ sentAtMs: 9_000, latencyMs: 1, version: "v1" }, { sentAtMs: 20_000, latencyMs: 1, version: "v1" });
        records.push({ sentAtMs: 11_000, latencyMs: 2000, error: "timeout" }, { sentAtMs: 12_000, latencyMs: 1, error: "refused" }, { sentAtMs: 13_000, latencyMs: 1, error: "http-503" });
        const f = probeFigures(records, 20_000, 10_000);
        assert.equal(f.answered, 40, "the two outside [10 s, 20 s) are left out");
        assert.equal(f.failed, 3);
        assert.equal(f.perVersion.v1.answers, 20);
        assert.equal(f.perVersion.v1.rps, 2);
        assert.equal(f.perVersion.v1.p95Ms, 19, "the 19th of 20 latencies 1..20");
        assert.equal(f.perVersion.v2.p95Ms, 5);

        const rows = versionRows(canaryAt(50), [{ name: "demo-stable", version: "v1", running: 2, desired: 3 }], { kind: "probe", figures: f, users: 0 });
        assert.deepEqual(
            rows.map((r) => [r.version, r.configured, r.share, r.rps, r.errorRatio, r.replicas]),
            [
                ["v1", 50, 50, 2, null, { running: 2, desired: 3 }],
                ["v2", 50, 50, 2, null, undefined],
            ],
        );
    });

    it("simulated users: the share of users whose answers all came from one version", () => {
        const records: ProbeRecord[] = [
            ...[0, 1, 2].map((u) => ({ sentAtMs: 1000 + u, latencyMs: 1, version: "v1", user: u })),
            { sentAtMs: 1500, latencyMs: 1, version: "v2", user: 3 },
            { sentAtMs: 1600, latencyMs: 1, version: "v1", user: 4 },
            { sentAtMs: 1700, latencyMs: 1, version: "v2", user: 4 },
        ];
        const f = probeFigures(records, 5000, 5000);
        assert.deepEqual([f.perVersion.v1.users, f.perVersion.v2.users], [3, 1], "user 4 saw both: counted on neither");
        const rows = versionRows(canaryAt(25), undefined, { kind: "probe", figures: f, users: 5 });
        assert.deepEqual(rows.map((r) => r.users), [75, 25], "of the 4 users on one version");
    });

    it("Prometheus's figures: share of requests, requests/s over the window, error ratio, p95 in ms", () => {
        const rows = versionRows(
            canaryAt(10),
            undefined,
            {
                kind: "prometheus",
                windowS: 30,
                health: [
                    { version: "v1", requests: 2700, errorRatio: 0, p95LatencySeconds: 0.004 },
                    { version: "v2", requests: 300, errorRatio: 0.2, p95LatencySeconds: 0.8 },
                ],
            },
        );
        assert.deepEqual(
            rows.map((r) => [r.version, r.share, r.rps, r.errorRatio, r.p95Ms]),
            [
                ["v1", 90, 90, 0, 4],
                ["v2", 10, 10, 0.2, 800],
            ],
        );
    });

    it("the routing and the step in words", () => {
        assert.equal(routingWords(canaryAt(50)), "canary 50% to v2");
        assert.equal(stepWords("canary", 50, [10, 50, 100]), "step 2 of 3");
        assert.equal(stepWords("canary", 0, [10, 50, 100]), "before the first step (0%)");
        assert.equal(stepWords("canary", 30, [10, 50, 100]), null, "a weight set by hand is no step");
        assert.equal(stepWords("bluegreen", 100, [10, 50, 100]), null);
        const bg = expectationsFrom(parseLabConfig({ platform: "swarm", strategy: "bluegreen", candidate: { version: "v2" }, bluegreen: { activeColor: "green" } }));
        assert.equal(routingWords(bg), "blue/green, green live");
    });

    it("events: a step applied, a rollback, a scale, a pod lost and running again, a reading that failed", () => {
        const at10 = frame(10, { v1: [9, 9], v2: [1, 1] });
        assert.deepEqual(eventsBetween(undefined, at10), [], "the first frame has nothing to compare with");
        assert.deepEqual(
            eventsBetween(at10, frame(50, { v1: [9, 5], v2: [1, 5] })).map((e) => e.text),
            ["step applied: canary 10% to v2 -> canary 50% to v2 (step 2 of 3)", "v1: scaled 9 -> 5", "v2: scaled 1 -> 5"],
        );
        assert.deepEqual(eventsBetween(frame(50, { v1: [5, 5], v2: [5, 5] }), frame(0, { v1: [5, 5], v2: [5, 5] })).map((e) => e.text), ["rolled back: canary 50% to v2 -> canary 0% to v2 (before the first step (0%))"]);
        assert.deepEqual(eventsBetween(frame(50, { v1: [5, 5], v2: [5, 5] }), frame(50, { v1: [4, 5], v2: [5, 5] })).map((e) => e.text), ["v1: 1 of 5 not running (a pod or task replaced or lost)"]);
        assert.deepEqual(eventsBetween(frame(50, { v1: [4, 5], v2: [5, 5] }), frame(50, { v1: [5, 5], v2: [5, 5] })).map((e) => e.text), ["v1: 5/5 running"]);
        assert.deepEqual(eventsBetween(frame(50, { v1: [5, 5], v2: [5, 5] }), frame(50, { v1: [5, 5], v2: [5, 5] }, ["Prometheus: connect ECONNREFUSED"])).map((e) => e.text), ["cannot read: Prometheus: connect ECONNREFUSED"]);
    });

    it("the plain line and the share bar", () => {
        const f = frame(50, { v1: [5, 5], v2: [4, 5] });
        f.versions[0] = { ...f.versions[0], share: 48.25, rps: 9.65, p95Ms: 3.4 };
        f.versions[1] = { ...f.versions[1], share: 51.75, rps: 10.35, p95Ms: 4.6 };
        f.unattributedFailures = 2;
        assert.equal(
            plainLine(f),
            "12:00:05 swarm-canary canary 50% to v2 [step 2 of 3] | v1 48.3% (set 50%) 9.7 req/s err - p95 3 ms 5/5 | v2 51.8% (set 50%) 10.3 req/s err - p95 5 ms 4/5 | failed 2",
        );
        assert.equal(shareBar(50, 50, 10), "█████│░░░░");
        assert.equal(shareBar(100, 10, 10), "█│████████");
        assert.equal(shareBar(null, 0, 4), "│░░░");
        assert.equal(shareBar(0, 100, 4), "░░░│", "a configured 100% marks the last cell");
    });
});
