import { strict as assert } from "assert";
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import { EdgeRouting } from "../../components/local";
import { RoutingState, edgeApplyInput } from "../../components/routers/haproxy/haproxyConfig";
import { scratchProgramStack } from "../../tools/lib/workspace";
import { probeAround } from "../e2e/support";
import { HaproxyEdge, edgeApplyScript, edgeFixture } from "../support/haproxyEdge";
import { tally, tempDir } from "../support/localProcesses";

// The Swarm edge's typed routing resource (components/local: EdgeRouting) under the real engine, driving
// a real HAProxy on 127.0.0.1 in front of real demo app processes, at 100 requests/s. The one stand-in
// is `docker exec -i <edge> edge-apply`: a `docker` first on the provider's PATH runs the real
// edge-apply.sh against this HAProxy's admin socket instead of inside a container (the docker provider
// that runs the edge container cannot be had on a machine that reaches only package registries).
// Needs the Pulumi CLI and the dynamic-provider launcher (scripts/toolchain.sh) on PATH.

const containerName = "rollout-lab-edge-under-test";
const sampleSize = 2000;

function share(counts: Record<string, number>, version: string): number {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return (100 * (counts[version] ?? 0)) / total;
}

/** A `docker` that answers only `exec -i <containerName> edge-apply`, with the real script on this edge. */
function dockerShim(edge: HaproxyEdge): string {
    const bin = tempDir("docker-shim");
    fs.writeFileSync(
        path.join(bin, "docker"),
        [
            "#!/bin/sh",
            `if [ "$1 $2 $3 $4" = "exec -i ${containerName} edge-apply" ]; then`,
            `  HAPROXY_SOCKET='${path.join(edge.dir, "admin.sock")}' STATE_DIR='${path.join(edge.dir, "state")}' WAIT_SECONDS=5 exec sh '${edgeApplyScript}'`,
            "fi",
            'echo "docker shim: unexpected: $*" >&2; exit 1',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    return bin;
}

async function edgeStack(edge: HaproxyEdge, routing: () => RoutingState): Promise<automation.Stack> {
    const dir = tempDir("edge-routing-stack");
    const program = async () => {
        const applied = new EdgeRouting("lab-edge-apply", { containerName, containerId: "local-haproxy", routing: edgeApplyInput(routing()) });
        return { routing: applied.routing };
    };
    return scratchProgramStack(dir, "edge-routing", "edge", program, { PATH: `${dockerShim(edge)}:${process.env.PATH ?? ""}` });
}

describe("the Swarm edge's typed routing resource under the real engine, on a real HAProxy at 100 req/s", function () {
    this.timeout(5 * 60 * 1000);
    const fixture = edgeFixture();

    async function start(routing: "split" | "switch"): Promise<HaproxyEdge> {
        return fixture.start(routing, { stable: 2, candidate: 1 });
    }

    async function upTimed(stack: automation.Stack): Promise<{ seconds: number; changes: Record<string, number> }> {
        const t0 = Date.now();
        const r = await stack.up({ color: "never" });
        return { seconds: (Date.now() - t0) / 1000, changes: r.summary.resourceChanges as Record<string, number> };
    }

    it("a canary weight change (10 -> 35): no failed request, the new split exact right after up returns, no change on a second up", async () => {
        const e = await start("split");
        let state: RoutingState = { candidatePercent: 10 };
        const stack = await edgeStack(e, () => state);
        try {
            const first = await upTimed(stack);
            assert.deepEqual(first.changes, { create: 2 });
            const at10 = await tally(e.url, sampleSize);
            assert.ok(Math.abs(share(at10, "v2") - 10) <= 3, `v2 ${share(at10, "v2").toFixed(1)}% at weight 10: ${JSON.stringify(at10)}`);

            state = { candidatePercent: 35 };
            let change = { seconds: 0, changes: {} as Record<string, number> };
            const probe = await probeAround(e.url, async () => (change = await upTimed(stack)), { maxS: 60, tailS: 2 });
            assert.deepEqual(change.changes, { same: 1, update: 1 });
            assert.equal(probe.failed, 0, JSON.stringify(probe.failures));
            const at35 = await tally(e.url, sampleSize);
            assert.ok(Math.abs(share(at35, "v2") - 35) <= 3, `v2 ${share(at35, "v2").toFixed(1)}% right after up returned at weight 35: ${JSON.stringify(at35)}`);
            const again = await upTimed(stack);
            assert.deepEqual(again.changes, { same: 2 });
            console.log(
                `        first up ${first.seconds.toFixed(1)} s; weight 10 -> 35 up ${change.seconds.toFixed(1)} s under ${probe.requests} requests (${probe.failed} failed); ` +
                    `v2 ${share(at10, "v2").toFixed(1)}% before, ${share(at35, "v2").toFixed(1)}% of ${sampleSize} right after; no-change up ${again.seconds.toFixed(1)} s`,
            );
        } finally {
            await stack.destroy({ color: "never" });
        }
    });

    it("a blue/green switch (all to v1, then all to v2): no failed request, every answer v2 right after up returns", async () => {
        const e = await start("switch");
        let state: RoutingState = { candidatePercent: 0 };
        const stack = await edgeStack(e, () => state);
        try {
            await upTimed(stack);
            assert.deepEqual(await tally(e.url, 500), { v1: 500 });
            state = { candidatePercent: 100 };
            let change = { seconds: 0, changes: {} as Record<string, number> };
            const probe = await probeAround(e.url, async () => (change = await upTimed(stack)), { maxS: 60, tailS: 2 });
            assert.equal(probe.failed, 0, JSON.stringify(probe.failures));
            assert.deepEqual(await tally(e.url, sampleSize), { v2: sampleSize });
            console.log(`        switch up ${change.seconds.toFixed(1)} s under ${probe.requests} requests (${probe.failed} failed); ${sampleSize} of ${sampleSize} v2 right after`);
        } finally {
            await stack.destroy({ color: "never" });
        }
    });
});
