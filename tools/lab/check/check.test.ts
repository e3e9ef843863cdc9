import { strict as assert } from "assert";
import {
    EntrySample,
    checkApplied,
    checkColour,
    checkEntry,
    checkMatched,
    checkMirror,
    checkReplicas,
    checkStep,
    checkTargets,
    checkUsers,
    checkVersionMix,
    exitCodeOf,
    expectationsFrom,
    formatLine,
    skipped,
    tolerancePoints,
} from "./check";
import { parseSwarmReplicas, requestsServed } from "./checkLive";
import { configValue, runChecks } from "./command";
import { lessons, stepChange } from "./lessons";
import { loadStackConfig, replicaSplitOf } from "../../lib/stackFile";
import { RoutingSummary } from "../../../components/plan";

const sample = (versions: Record<string, number>, extra: Partial<EntrySample> = {}): EntrySample => {
    const answered = Object.values(versions).reduce((a, b) => a + b, 0);
    return { requests: answered, answered, failures: {}, versions, colors: {}, ...extra };
};

describe("lab check: what a stack's config expects", () => {
    it("swarm-canary: v1 on 3 tasks with 90%, v2 on 1 with 10%, monitoring on, one request per keep-alive connection", () => {
        const e = expectationsFrom(loadStackConfig("swarm-canary"));
        assert.deepEqual(e.releases, [
            { role: "stable", version: "v1", color: "blue", replicas: 3, share: 90 },
            { role: "candidate", version: "v2", color: "green", replicas: 1, share: 10 },
        ]);
        assert.equal(e.perConnection, false);
        assert.equal(e.monitoring, true);
        assert.equal(e.activeColor, undefined);
    });

    it("kind-canary (native): the split is 9 + 1 pods, sampled on new connections", () => {
        const e = expectationsFrom(loadStackConfig("kind-canary"));
        assert.deepEqual(
            e.releases.map((r) => [r.version, r.replicas, r.share]),
            [
                ["v1", 9, 90],
                ["v2", 1, 10],
            ],
        );
        assert.equal(e.perConnection, true);
    });

    it("kind-canary at weight 15: expects the asked 15% on 20 pods (17 + 3), and the pods check says why 20", () => {
        const config = loadStackConfig("kind-canary", undefined, { "rollout-lab:canary.weight": "15" });
        const e = expectationsFrom(config);
        assert.deepEqual(
            e.releases.map((r) => [r.version, r.replicas, r.share]),
            [
                ["v1", 17, 85],
                ["v2", 3, 15],
            ],
        );
        const live = [
            { name: "demo-stable", version: "v1", desired: 17, running: 17 },
            { name: "demo-canary", version: "v2", desired: 3, running: 3 },
        ];
        const line = checkReplicas(e, live, "pods");
        assert.equal(line.status, "pass");
        assert.equal(line.expected, "v1 17, v2 3 (canary.weight 15 is not a whole number of pods of canary.totalReplicas 10: 20 replicas (17 stable + 3 candidate) give exactly 15%)");
        assert.equal(replicaSplitOf(config), "20 pods: 17 stable + 3 candidate (not canary.totalReplicas 10: it cannot give 15% exactly)");
        assert.equal(replicaSplitOf(loadStackConfig("kind-canary")), "10 pods: 9 stable + 1 candidate");
        assert.equal(replicaSplitOf(loadStackConfig("swarm-canary")), undefined, "HAProxy splits by weight");
        assert.equal(replicaSplitOf(loadStackConfig("kind-canary-traefik")), undefined, "an HTTPRoute splits by weight");
        assert.equal(replicaSplitOf(loadStackConfig("kind-bluegreen")), undefined, "nothing split");
    });

    it("swarm-bluegreen at step 2: green (v2) live", () => {
        const e = expectationsFrom(loadStackConfig("swarm-bluegreen", undefined, stepChange(lessons.bluegreen, 2)));
        assert.equal(e.activeColor, "green");
        assert.deepEqual(
            e.releases.map((r) => [r.version, r.share]),
            [
                ["v1", 0],
                ["v2", 100],
            ],
        );
    });

    it("swarm-abtest: the header rule X-Canary: on; kind-abtest-traefik adds the cookie lab_beta", () => {
        assert.deepEqual(expectationsFrom(loadStackConfig("swarm-abtest")).header, { name: "X-Canary", value: "on", regex: false });
        const k = expectationsFrom(loadStackConfig("kind-abtest-traefik"));
        assert.equal(k.cookie, "lab_beta");
    });

    it("swarm-shadow: 100% mirrored; swarm-rolling at step 2: v2 alone on 4 tasks", () => {
        assert.equal(expectationsFrom(loadStackConfig("swarm-shadow")).mirrorPercent, 100);
        assert.deepEqual(expectationsFrom(loadStackConfig("swarm-rolling", undefined, stepChange(lessons.rolling, 2))).releases, [
            { role: "candidate", version: "v2", color: "green", replicas: 4, share: 100 },
        ]);
    });
});

describe("lab check: judging what was measured", () => {
    it("tolerance: 4 binomial standard deviations in points, at least 1, none at 0% or 100%", () => {
        assert.equal(tolerancePoints(10, 1000), 3.8); // 4 * sqrt(0.09 / 1000) = 0.03795
        assert.equal(tolerancePoints(50, 1000), 6.3); // 4 * sqrt(0.25 / 1000) = 0.06325
        assert.equal(tolerancePoints(1, 100000), 1);
        assert.equal(tolerancePoints(0, 1000), 0);
        assert.equal(tolerancePoints(100, 1000), 0);
    });

    const canary = expectationsFrom(loadStackConfig("swarm-canary"));

    it("users (canary.sticky): none on two versions and v2's share of 200 users within 4 deviations of the weight; no users line without sticky", () => {
        const sticky = expectationsFrom(loadStackConfig("swarm-canary", undefined, { "rollout-lab:canary.sticky": "true", "rollout-lab:canary.weight": "30" }));
        assert.equal(sticky.sticky, true);
        assert.equal(canary.sticky, undefined);
        // 4 * sqrt(0.21 / 200) = 0.1296: 13 points.
        const ok = checkUsers(sticky, { users: 200, shares: { v1: 0.74, v2: 0.26 }, flipped: 0, flipRate: 0 });
        assert.deepEqual(ok, { check: "users", status: "pass", measured: "200 users: v1 74%, v2 26%; 0 saw both versions", expected: "none on two versions (canary.sticky); v1 70% ±13, v2 30% ±13 of users" });
        assert.equal(checkUsers(sticky, { users: 200, shares: { v1: 0.735, v2: 0.26 }, flipped: 1, flipRate: 0.005 }).status, "fail", "one user flipped");
        assert.equal(checkUsers(sticky, { users: 200, shares: { v1: 0.85, v2: 0.15 }, flipped: 0, flipRate: 0 }).status, "fail", "15% of users for a weight of 30");
        assert.equal(checkUsers(sticky, { users: 0, shares: {}, flipped: 0, flipRate: 0 }).status, "fail", "no user answered");
    });

    it("version mix: 8.6% (and 7.0%) of 1000 for an expected 10% passes, 6.1% fails, a third version fails", () => {
        const ok = checkVersionMix(canary, sample({ v1: 914, v2: 86 }));
        assert.equal(ok.status, "pass");
        assert.equal(ok.measured, "v1 91.4%, v2 8.6% of 1000 answers");
        assert.equal(ok.expected, "v1 90% ±3.8, v2 10% ±3.8");
        // 7.0% is what kube-proxy's random split gave once in CI (3.2 deviations off): a pass now.
        assert.equal(checkVersionMix(canary, sample({ v1: 930, v2: 70 })).status, "pass");
        assert.equal(checkVersionMix(canary, sample({ v1: 939, v2: 61 })).status, "fail");
        const stranger = checkVersionMix(canary, sample({ v1: 900, v2: 90, v3: 10 }));
        assert.equal(stranger.status, "fail");
        assert.match(stranger.measured, /unexpected versions: v3$/);
        assert.equal(checkVersionMix(canary, sample({})).status, "fail");
    });

    it("version mix at 0%: a single answer from the idle version fails", () => {
        const bg = expectationsFrom(loadStackConfig("swarm-bluegreen"));
        assert.equal(checkVersionMix(bg, sample({ v1: 200 })).status, "pass");
        assert.equal(checkVersionMix(bg, sample({ v1: 199, v2: 1 })).status, "fail");
    });

    it("entry: every request answered, or the failures by kind", () => {
        assert.equal(checkEntry("http://127.0.0.1:8080/", sample({ v1: 200 })).status, "pass");
        const bad = checkEntry("http://127.0.0.1:8080/", { ...sample({ v1: 190 }), requests: 200, failures: { "http-503": 6, refused: 4 } });
        assert.equal(bad.status, "fail");
        assert.equal(bad.measured, "190/200 answered at http://127.0.0.1:8080/; failures: http-503 6, refused 4");
    });

    it("live colour, header and cookie rules, mirror share", () => {
        assert.equal(checkColour("green", { ...sample({ v2: 200 }), colors: { green: 200 } }).status, "pass");
        assert.equal(checkColour("green", { ...sample({ v1: 1, v2: 199 }), colors: { blue: 1, green: 199 } }).measured, "blue 1, green 199 of 200 answers");
        assert.equal(checkMatched("header rule", "X-Canary: on", "v2", sample({ v2: 100 })).status, "pass");
        const stale = checkMatched("header rule", "X-Canary: on", "v2", sample({ v1: 100 }));
        assert.equal(stale.status, "fail");
        assert.equal(stale.measured, "with X-Canary: on: v1 100 of 100");
        assert.equal(checkMirror(25, 262, 1000).status, "pass"); // ±5.5
        assert.equal(checkMirror(25, 310, 1000).status, "fail");
        assert.equal(checkMirror(100, 198, 200).status, "pass"); // 99%: one point lost copies tolerated
        assert.equal(checkMirror(100, 196, 200).status, "fail");
        assert.equal(checkMirror(1, 9, 1000).measured, "9 copies of 1000 requests (0.9%) reached the candidate");
    });

    it("tasks: running and desired must both equal the plan's copies", () => {
        const live = [
            { name: "rollout-lab-demo-stable", version: "v1", desired: 3, running: 3 },
            { name: "rollout-lab-demo-canary", version: "v2", desired: 1, running: 1 },
        ];
        assert.equal(checkReplicas(canary, live, "tasks").status, "pass");
        const scaled = checkReplicas(canary, [live[0], { ...live[1], desired: 0, running: 0 }], "tasks");
        assert.equal(scaled.status, "fail");
        assert.equal(scaled.measured, "rollout-lab-demo-stable (v1) 3/3 running, rollout-lab-demo-canary (v2) 0/0 running");
        assert.equal(checkReplicas(canary, [live[0], { ...live[1], running: 0 }], "tasks").status, "fail");
        assert.equal(checkReplicas(canary, [live[0]], "tasks").measured, "rollout-lab-demo-stable (v1) 3/3 running, v2: no workload");
    });

    it("deployed: the state's routing output against the config's plan", () => {
        const routing: RoutingSummary = {
            strategy: "canary",
            traffic: "haproxy",
            workloads: [
                { name: "rollout-lab-demo-stable", version: "v1", color: "blue", replicas: 3, expectedShare: 90 },
                { name: "rollout-lab-demo-canary", version: "v2", color: "green", replicas: 1, expectedShare: 10 },
            ],
        };
        assert.equal(checkApplied(canary, routing, "swarm-canary").status, "pass");
        const at50 = expectationsFrom(loadStackConfig("swarm-canary", undefined, { "rollout-lab:canary.weight": "50" }));
        const stale = checkApplied(at50, routing, "swarm-canary");
        assert.equal(stale.status, "fail");
        assert.equal(stale.expected, "canary: v1 x3 50%, v2 x1 50%");
        assert.match(stale.measured, /run pulumi up -s swarm-canary/);
        assert.match(checkApplied(canary, undefined, "swarm-canary").measured, /^no deployment/);
    });

    it("step config: names the key, its value and the command that sets it", () => {
        const line = checkStep(2, "raise v2 to 50%", { "rollout-lab:canary.weight": "10" }, { "rollout-lab:canary.weight": "50" }, "swarm-canary");
        assert.equal(line.status, "fail");
        assert.equal(line.measured, "canary.weight=10");
        assert.equal(line.expected, "step 2 (raise v2 to 50%): canary.weight=50; set it: pulumi config set --path canary.weight 50 -s swarm-canary");
        assert.equal(checkStep(2, "x", { "rollout-lab:canary.weight": "50" }, { "rollout-lab:canary.weight": "50" }, "swarm-canary").status, "pass");
    });

    it("monitoring targets: every one up", () => {
        assert.equal(checkTargets([{ job: "prometheus", instance: "localhost:9090", health: "up" }]).status, "pass");
        const down = checkTargets([
            { job: "prometheus", instance: "localhost:9090", health: "up" },
            { job: "node-exporter", instance: "10.0.1.9:9100", health: "down" },
        ]);
        assert.equal(down.measured, "1/2 Prometheus targets up; down: node-exporter 10.0.1.9:9100 (down)");
        assert.equal(checkTargets([]).status, "fail");
    });

    it("exit code 1 only when a check failed; a skip is printed as SKIP and does not fail", () => {
        const pass = checkEntry("u", sample({ v1: 1 }));
        assert.equal(exitCodeOf([pass, skipped("monitoring", "off")]), 0);
        assert.equal(exitCodeOf([pass, checkTargets([])]), 1);
        assert.equal(formatLine(skipped("monitoring", "monitoring is off")), "SKIP  monitoring    monitoring is off  [expected: -]");
    });
});

describe("lab check: reading the live lab", () => {
    it("docker's replica column: running/desired", () => {
        assert.deepEqual(parseSwarmReplicas("3/4"), { running: 3, desired: 4 });
        assert.deepEqual(parseSwarmReplicas("1/1 (max 1 per node)"), { running: 1, desired: 1 });
        assert.equal(parseSwarmReplicas("global"), undefined);
    });

    it("the app's request counter from its /metrics text", () => {
        const text = [
            "# HELP http_requests_total Requests answered by the demo app, by version and status code.",
            "# TYPE http_requests_total counter",
            'http_requests_total{version="v2",code="200"} 41',
            'http_requests_total{version="v2",code="500"} 2',
            'http_request_duration_seconds_count{version="v2",code="200"} 41',
        ].join("\n");
        assert.equal(requestsServed(text), 43);
    });

    it("the checked config's value at a path key, defaults filled", () => {
        const config = loadStackConfig("swarm-rolling");
        assert.equal(configValue(config, "rollout-lab:release"), "stable"); // not in the file: the default
        assert.equal(configValue(loadStackConfig("swarm-canary", undefined, { "rollout-lab:canary.weight": "25" }), "rollout-lab:canary.weight"), "25");
        assert.equal(configValue(config, "rollout-lab:abtest.value"), undefined);
    });
});

describe("lab CLI: an engine failure printed once", () => {
    it("keeps the distinct error lines of the Automation API's error, which repeats the streamed output", () => {
        const { errorText } = require("../cli") as typeof import("../cli");
        const { CommandError } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
        const streamed = "Diagnostics:\n  docker:index:Volume (v):\n    error: failed to connect to any docker daemon\n";
        const e = new (CommandError as unknown as new (r: unknown) => Error)({ stdout: streamed, stderr: streamed, code: 255, err: undefined, toString: () => `code: 255\n stdout: ${streamed}\n stderr: ${streamed}` });
        assert.equal(errorText(e), "the Pulumi command failed (its output is above):\n  error: failed to connect to any docker daemon");
        assert.equal(errorText(new Error("stack: got x")), "stack: got x");
    });
});

describe("lab check on a stack that does not exist", () => {
    it("fails one line, 'no deployment', saying how to create it, and reads nothing else", async () => {
        const report = await runChecks("swarm-canary", undefined, { step: 1 });
        assert.equal(report.ok, false);
        assert.deepEqual(
            report.checks.map((c) => [c.check, c.status]),
            [
                ["step config", "pass"],
                ["deployed", "fail"],
            ],
        );
        assert.equal(report.checks[1].measured, "no deployment: there is no stack swarm-canary (npx lab up swarm-canary creates it)");
    });
});
