import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { LabStack } from "../../tools/lib/workspace";
import { docker, labCheck, log, monitoringImagesFromEnv, probeAround as probeAt, recordProbe, rolloutCase, sample as sampleAt, statuses, up, withStack as withStackCase, swarmLeftovers as leftovers, ProbeAroundOptions } from "./support";

// End to end on the local Docker Swarm with the real Pulumi engine, for every swarm stack: `pulumi up`,
// probe at 100 requests/s, the stack's change with `pulumi up` under that load, a second `pulumi up`
// with no edit (must change nothing), `pulumi destroy` (must leave nothing). Then `lab rollout` with
// monitoring on. Needs a running Docker engine, the Pulumi CLI and plugins on PATH
// (scripts/toolchain.sh), the offline base image (scripts/base-image.sh) and, for the rollout cases,
// the monitoring images (E2E_MONITORING_IMAGES: the `key=value` lines scripts/monitoring-images.sh
// prints; empty means the upstream images, as on a laptop). `.ci/run` provides all of them.
// Figures go to the test log and, as JSON, to E2E_RESULTS (when set).

const baseImage = process.env.E2E_BASE_IMAGE ?? "rollout-lab/debian-base:bookworm";
const entry = "http://127.0.0.1:8080/";
const results: Record<string, unknown>[] = [];
const probeAround = (change: () => Promise<unknown>, options?: ProbeAroundOptions) => probeAt(entry, change, options);
const sample = (count: number, headers?: Record<string, string>) => sampleAt(entry, count, headers);

/** Requests to `/` that the tasks of one Swarm service have answered, read inside each task. */
function servedByService(service: string): number {
    const ids = docker("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`).split("\n").filter(Boolean);
    assert.ok(ids.length > 0, `no running task of ${service}`);
    const script =
        "fetch('http://127.0.0.1:8080/metrics').then(r => r.text()).then(t => { let n = 0; " +
        "for (const l of t.split('\\n')) if (l.startsWith('http_requests_total{')) n += Number(l.split(' ').pop()); console.log(n); })";
    return ids.reduce((sum, id) => sum + Number(docker("exec", id, "node", "-e", script)), 0);
}

describe("Swarm lab end to end (real engine, local Swarm)", function () {
    this.timeout(20 * 60 * 1000);
    const monitoringImages = monitoringImagesFromEnv();
    const overrides = {
        "rollout-lab:app.baseImage": baseImage,
        "rollout-lab:swarm.edgeBaseImage": baseImage,
        // The app cases measure the app and its edge; the rollout cases below turn monitoring on.
        "rollout-lab:monitoring.enabled": "false",
    };

    before(() => {
        assert.deepEqual(leftovers(), [], "start from an engine with nothing of the lab's");
    });

    after(() => {
        if (process.env.E2E_RESULTS) {
            fs.mkdirSync(path.dirname(process.env.E2E_RESULTS), { recursive: true });
            fs.writeFileSync(process.env.E2E_RESULTS, JSON.stringify(results, null, 2));
        }
    });

    const withStack = (
        name: string,
        stack: string,
        config: Record<string, string>,
        body: (lab: LabStack, record: Record<string, unknown>) => Promise<void>,
        afterDestroy?: (lab: LabStack) => Promise<void>,
    ) =>
        withStackCase(
            {
                name,
                stack,
                config: { ...overrides, ...config },
                results,
                firstUp: "first",
                leftovers,
                leftoversMessage: "pulumi destroy leaves no service, network, config, volume or container",
                afterDestroy,
            },
            body,
        );

    // What `lab check` reports on a healthy stack of the app cases (monitoring off: skipped, not failed).
    const healthy = (...extra: string[]) => ({
        "step config": "pass",
        deployed: "pass",
        entry: "pass",
        "version mix": "pass",
        ...Object.fromEntries(extra.map((c) => [c, "pass"])),
        tasks: "pass",
        monitoring: "skip",
    });

    it("swarm-canary: a weight change with `pulumi up` loses no request and is live when up returns; lab check follows the lesson", async () => {
        await withStack(
            "canary 10 -> 50",
            "swarm-canary",
            {},
            async (lab, record) => {
                assert.deepEqual(statuses(await labCheck(lab, "swarm-canary", 1)), healthy());
                const at10 = await sample(1000);
                log(`weight 10: ${JSON.stringify(at10)}`);
                assert.ok(Math.abs((at10.v2 ?? 0) / 10 - 10) <= 3, JSON.stringify(at10));
                // The lesson's step 2 set but not applied: the check says so (the state and the live split are still 10%).
                await lab.stack.setConfig("rollout-lab:canary.weight", { value: "50" }, true);
                const notApplied = await labCheck(lab, "swarm-canary", 2);
                assert.deepEqual(statuses(notApplied), { ...healthy(), deployed: "fail", "version mix": "fail" });
                const summary = await probeAround(async () => {
                    record.change = await up(lab, "weight 10 -> 50");
                });
                recordProbe(record, summary);
                assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
                const at50 = await sample(1000);
                log(`weight 50 right after up: ${JSON.stringify(at50)}`);
                assert.ok(Math.abs((at50.v2 ?? 0) / 10 - 50) <= 5, JSON.stringify(at50));
                assert.deepEqual(statuses(await labCheck(lab, "swarm-canary", 2)), healthy());
                // Broken behind the lab's back: the canary scaled to no task (Pulumi's state still says 1). The
                // edge keeps sending v2's share to an empty backend, which answers 503.
                docker("service", "scale", "--detach=false", "rollout-lab-demo-canary=0");
                const broken = await labCheck(lab, "swarm-canary", 2);
                assert.deepEqual(statuses(broken), { ...healthy(), entry: "fail", "version mix": "fail", tasks: "fail" });
                assert.match(broken.checks.find((c) => c.check === "tasks")!.measured, /rollout-lab-demo-canary \(v2\) 0\/0 running/);
                assert.match(broken.checks.find((c) => c.check === "entry")!.measured, /^\d+\/1000 answered at .*; failures: http-503 \d+$/);
                assert.match(broken.checks.find((c) => c.check === "version mix")!.measured, /^v1 100%, v2 0% of \d+ answers/);
                docker("service", "scale", "--detach=false", "rollout-lab-demo-canary=1");
                // The lesson's rollback (step 3): weight 0, nothing to v2.
                await lab.stack.setConfig("rollout-lab:canary.weight", { value: "0" }, true);
                await up(lab, "weight 50 -> 0 (rollback)");
                const rolledBack = await labCheck(lab, "swarm-canary", 3);
                assert.deepEqual(statuses(rolledBack), healthy());
                assert.equal(rolledBack.checks.find((c) => c.check === "version mix")!.measured, "v1 100%, v2 0% of 200 answers");
                // Asked for step 2 while at step 3: the step's config fails first.
                assert.equal(statuses(await labCheck(lab, "swarm-canary", 2))["step config"], "fail");
            },
            async (lab) => {
                // Torn down: the check fails on the missing deployment and measures nothing else.
                assert.deepEqual(statuses(await labCheck(lab, "swarm-canary", 3)), { "step config": "pass", deployed: "fail" });
            },
        );
    });

    it("swarm-bluegreen: a colour switch with `pulumi up` loses no request; no v1 answer after up returns", async () => {
        await withStack("bluegreen blue -> green", "swarm-bluegreen", {}, async (lab, record) => {
            assert.deepEqual(statuses(await labCheck(lab, "swarm-bluegreen", 1)), healthy("live colour"));
            assert.deepEqual(await sample(200), { v1: 200 });
            const summary = await probeAround(async () => {
                await lab.stack.setConfig("rollout-lab:bluegreen.activeColor", { value: "green" }, true);
                record.change = await up(lab, "blue -> green");
            });
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(await sample(200), { v2: 200 });
            assert.notEqual(summary.change?.timeToLastOldS ?? null, null);
            assert.deepEqual(statuses(await labCheck(lab, "swarm-bluegreen", 2)), healthy("live colour"));
        });
    });

    it("swarm-abtest (header): requests with the header reach v2, others v1; changing the value loses no request", async () => {
        await withStack("abtest header on -> beta", "swarm-abtest", {}, async (lab, record) => {
            assert.deepEqual(statuses(await labCheck(lab, "swarm-abtest", 1)), healthy("header rule"));
            assert.deepEqual(await sample(100, { "X-Canary": "on" }), { v2: 100 });
            assert.deepEqual(await sample(100), { v1: 100 });
            const summary = await probeAround(
                async () => {
                    await lab.stack.setConfig("rollout-lab:abtest.value", { value: "beta" }, true);
                    record.change = await up(lab, 'value "on" -> "beta"');
                },
                { headers: { "X-Canary": "beta" }, headerShare: 0.5 },
            );
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(await sample(100, { "X-Canary": "beta" }), { v2: 100 });
            assert.deepEqual(await sample(100, { "X-Canary": "on" }), { v1: 100 }, "the old value no longer matches");
            assert.deepEqual(await sample(100), { v1: 100 });
            assert.deepEqual(statuses(await labCheck(lab, "swarm-abtest", 2)), healthy("header rule"));
            // Step 1's rule is no longer live: its header value goes to v1.
            const stale = await labCheck(lab, "swarm-abtest", 1);
            assert.deepEqual(statuses(stale), { ...healthy(), "step config": "fail", "header rule": "fail" });
            assert.equal(stale.checks.find((c) => c.check === "header rule")!.measured, "with X-Canary: on: v1 100 of 100");
        });
    });

    it("swarm-abtest (header and cookie): a cookie set to `always` reaches v2 too, through a header value change with no request lost", async () => {
        await withStack("abtest cookie + header", "swarm-abtest", { "rollout-lab:abtest.cookie": "lab_beta" }, async (lab, record) => {
            assert.deepEqual(await sample(100, { Cookie: "lab_beta=always" }), { v2: 100 });
            assert.deepEqual(await sample(100, { "X-Canary": "on" }), { v2: 100 });
            assert.deepEqual(await sample(100, { Cookie: "lab_beta=never" }), { v1: 100 });
            assert.deepEqual(await sample(100), { v1: 100 });
            const summary = await probeAround(
                async () => {
                    await lab.stack.setConfig("rollout-lab:abtest.value", { value: "beta" }, true);
                    record.change = await up(lab, 'header value "on" -> "beta", cookie unchanged');
                },
                { headers: { Cookie: "lab_beta=always" }, headerShare: 0.5 },
            );
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            const cookieAnswers = summary.versions.v2?.count ?? 0;
            assert.ok(Math.abs(cookieAnswers / summary.requests - 0.5) < 0.02, `the cookie half went to v2 throughout: ${cookieAnswers} of ${summary.requests}`);
            assert.deepEqual(await sample(100, { Cookie: "lab_beta=always" }), { v2: 100 });
            assert.deepEqual(await sample(100, { "X-Canary": "beta" }), { v2: 100 });
            assert.deepEqual(await sample(100, { "X-Canary": "on" }), { v1: 100 });
            const { "step config": _, ...noStep } = healthy("header rule", "cookie rule");
            assert.deepEqual(statuses(await labCheck(lab, "swarm-abtest")), noStep);
        });
    });

    it("swarm-shadow: v1 answers every request, v2 gets the copies; lowering the percent loses no request", async () => {
        await withStack("shadow 100 -> 25", "swarm-shadow", {}, async (lab, record) => {
            assert.deepEqual(statuses(await labCheck(lab, "swarm-shadow", 1)), healthy("mirror share"));
            const v2Before = servedByService("rollout-lab-demo-canary");
            assert.deepEqual(await sample(400), { v1: 400 });
            await new Promise((r) => setTimeout(r, 1000));
            const copiesAt100 = servedByService("rollout-lab-demo-canary") - v2Before;
            log(`shadow 100%: v2 served ${copiesAt100} copies of 400 requests`);
            assert.ok(copiesAt100 >= 396 && copiesAt100 <= 400, `copies at 100%: ${copiesAt100}`);
            const summary = await probeAround(async () => {
                await lab.stack.setConfig("rollout-lab:shadow.percent", { value: "25" }, true);
                record.change = await up(lab, "percent 100 -> 25");
            });
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.deepEqual(Object.keys(summary.versions), ["v1"], "only v1 ever answers");
            const before25 = servedByService("rollout-lab-demo-canary");
            assert.deepEqual(await sample(1000), { v1: 1000 });
            await new Promise((r) => setTimeout(r, 1000));
            const copiesAt25 = servedByService("rollout-lab-demo-canary") - before25;
            log(`shadow 25%: v2 served ${copiesAt25} copies of 1000 requests`);
            record.copies = { at100: `${copiesAt100}/400`, at25: `${copiesAt25}/1000` };
            assert.ok(copiesAt25 >= 200 && copiesAt25 <= 300, `copies at 25%: ${copiesAt25}`);
            const at25 = await labCheck(lab, "swarm-shadow", 2);
            assert.deepEqual(statuses(at25), healthy("mirror share"));
            assert.match(at25.checks.find((c) => c.check === "mirror share")!.measured, / copies of 1000 requests /);
        });
    });

    it("swarm-rolling: releasing the candidate one task at a time loses no request", async () => {
        await withStack("rolling v1 -> v2", "swarm-rolling", {}, async (lab, record) => {
            assert.deepEqual(statuses(await labCheck(lab, "swarm-rolling", 1)), healthy());
            assert.deepEqual(await sample(100), { v1: 100 });
            const summary = await probeAround(
                async () => {
                    await lab.stack.setConfig("rollout-lab:release", { value: "candidate" });
                    record.change = await up(lab, "rolling v1 -> v2");
                },
                { tailS: 6 },
            );
            recordProbe(record, summary);
            assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
            assert.ok((summary.versions.v1?.count ?? 0) > 0 && (summary.versions.v2?.count ?? 0) > 0, "both versions answered during the update");
            assert.deepEqual(await sample(200), { v2: 200 }, "every task runs v2 once up returns");
            assert.deepEqual(statuses(await labCheck(lab, "swarm-rolling", 2)), healthy());
        });
    });

    it("swarm-recreate: releasing the candidate drops requests (the downtime window)", async () => {
        await withStack("recreate v1 -> v2", "swarm-recreate", {}, async (lab, record) => {
            const summary = await probeAround(
                async () => {
                    await lab.stack.setConfig("rollout-lab:release", { value: "candidate" });
                    record.change = await up(lab, "recreate v1 -> v2");
                },
                { tailS: 6 },
            );
            recordProbe(record, summary);
            assert.ok(summary.failed > 0, "recreate has a window with no task");
            assert.ok((summary.errorWindow?.durationS ?? 0) > 0);
            assert.deepEqual(await sample(100), { v2: 100 });
            assert.deepEqual(statuses(await labCheck(lab, "swarm-recreate", 2)), healthy());
        });
    });

    // lab rollout end to end: Prometheus reads the candidate's figures, so monitoring is on (Grafana off:
    // it cannot be had on the build machine, and the rollout does not need it).
    for (const [what, candidate, outcome] of [
        ["promotes a healthy candidate", {}, "promoted"],
        ["rolls a bad candidate (30% errors) back on its own", { "rollout-lab:candidate.errorRate": "0.3" }, "rolled-back"],
    ] as const) {
        it(`lab rollout swarm-canary ${what}`, async () => {
            const config = {
                ...overrides,
                "rollout-lab:monitoring.enabled": "true",
                "rollout-lab:monitoring.grafana": process.env.E2E_GRAFANA ?? "false",
                "rollout-lab:monitoring.scrapeInterval": "2s",
                ...monitoringImages,
                ...candidate,
            };
            await withStack(`rollout ${outcome}`, "swarm-canary", config, async (lab, record) => {
                await rolloutCase({ lab, stack: "swarm-canary", config, entry, record, outcome, sample: (n) => sample(n) });
                // Where the rollout left the stack (weight 100 or 0), monitoring on: every Prometheus target up.
                const after = await labCheck(lab, "swarm-canary");
                assert.deepEqual(statuses(after), { deployed: "pass", entry: "pass", "version mix": "pass", tasks: "pass", monitoring: "pass" });
                assert.equal(after.checks.find((c) => c.check === "version mix")!.measured, outcome === "promoted" ? "v1 0%, v2 100% of 200 answers" : "v1 100%, v2 0% of 200 answers");
            });
        });
    }
});
