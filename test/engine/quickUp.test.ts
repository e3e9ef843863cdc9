import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensurePulumiCli } from "../../tools/lib/engine";
import { quickUp } from "../../tools/lib/quickUp";
import { LabStack, openLabStack, scratchProgramStack, setPathConfig } from "../../tools/lib/workspace";

// lab's `up` (quickUp) takes the stack's outputs and the update's resource changes from the engine's
// events instead of three more CLI runs: under the real engine (kind-canary in render mode, monitoring on,
// Grafana off) it must answer exactly what the CLI answers. How much faster it is, the benchmark prints
// (npm run bench:step), not this test.

describe("engine: lab's up answers from the engine's events what Stack.up asks the CLI", function () {
    this.timeout(300_000);
    let lab: LabStack;
    let dir: string;
    const plain = (outputs: Record<string, { value: unknown; secret: boolean }>) =>
        Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "(secret)" : v.value]));

    before(async () => {
        ensurePulumiCli();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-quickup-"));
        lab = await openLabStack({ stack: "kind-canary", config: { "rollout-lab:renderYamlTo": path.join(dir, "rendered"), "rollout-lab:monitoring.grafana": "false" } });
    });

    after(() => {
        lab?.remove();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("creates: the same outputs as `pulumi stack output`, the changes from the summary", async () => {
        const up = await quickUp(lab.stack, { color: "never" });
        assert.equal(up.fromEvents, true, "outputs and summary came from the events");
        assert.deepEqual(plain(up.outputs), plain(await lab.stack.outputs()));
        assert.deepEqual(Object.keys(up.summary.resourceChanges), ["create"]);
        assert.deepEqual(Object.keys(up.outputs).sort(), ["entryUrl", "namespace", "prometheusUrl", "routing"]);
    });

    it("no change, then a weight step: the same answers as Stack.up's", async () => {
        const same = await quickUp(lab.stack, { color: "never" });
        const history = await lab.stack.history(1);
        assert.deepEqual(same.summary.resourceChanges, history[0].resourceChanges);
        assert.deepEqual(Object.keys(same.summary.resourceChanges), ["same"]);
        await setPathConfig(lab.stack, { "rollout-lab:canary.weight": "30" });
        const step = await quickUp(lab.stack, { color: "never" });
        const stepHistory = await lab.stack.history(1);
        assert.deepEqual(step.summary.resourceChanges, stepHistory[0].resourceChanges);
        assert.equal(step.summary.resourceChanges.update, 2, "the two Deployments' replicas (7 + 3)");
        const routing = step.outputs.routing.value as { workloads: { replicas: number }[] };
        assert.deepEqual(routing.workloads.map((w) => w.replicas), [7, 3]);
        assert.deepEqual(plain(step.outputs), plain(await lab.stack.outputs()));
    });

    it("leaves Stack and LocalWorkspace as they were: the next Stack.up asks the CLI again", async () => {
        assert.equal(Object.prototype.hasOwnProperty.call(lab.stack, "info"), false);
        assert.equal(Object.prototype.hasOwnProperty.call(lab.stack.workspace, "stackOutputs"), false);
        const up = await lab.stack.up({ color: "never" });
        assert.equal(up.summary.result, "succeeded");
    });

    it("a secret output is secret, with no value, as `pulumi stack output` masks it (a kubeconfig's envelope)", async () => {
        const program = async () => ({ kubeconfig: pulumi.secret("apiVersion: v1"), plain: "x" });
        const stack = await scratchProgramStack(path.join(dir, "secrets"), "secrets", "secrets", program);
        const up = await quickUp(stack, { color: "never" });
        assert.equal(up.fromEvents, true);
        assert.deepEqual(up.outputs, { kubeconfig: { value: undefined, secret: true }, plain: { value: "x", secret: false } });
        const cli = await stack.outputs();
        assert.deepEqual([cli.kubeconfig.secret, cli.plain.secret], [true, false]);
    });
});
