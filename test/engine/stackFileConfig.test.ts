import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ensurePulumiCli } from "../../tools/lib/engine";
import { selectedStackOf, workspaceFileOf } from "../../tools/lib/pulumiCli";
import { LabStack, openLabStack, setPathConfig, stackFileOf } from "../../tools/lib/workspace";

// The lab sets a stack's values by editing its stack file in process (setPathConfig), not by running
// `pulumi config set --path`. What the engine then reads must be what it reads after the CLI's own set:
// the same change made both ways on the same stack file, read back by the CLI (`pulumi config --json`).

describe("engine: values set in the stack file by the lab read back as the CLI's own `config set --path`", function () {
    this.timeout(120_000);
    let lab: LabStack;
    const change = {
        "rollout-lab:canary.weight": "50",
        "rollout-lab:canary.sticky": "true",
        "rollout-lab:measure.alerts.errorRatio": "0.05",
        "rollout-lab:candidate.version": "v3",
        "rollout-lab:kind.loadImages[0]": "rollout-lab/demo:1",
        "rollout-lab:app.port": "08080",
        "rollout-lab:strategy": "canary",
    };

    before(async () => {
        ensurePulumiCli();
        lab = await openLabStack({ stack: "kind-canary-traefik" });
    });
    after(() => lab?.remove());

    it("the CLI's workspace file names the selected stack as the lab reads it (so lab can skip a select that changes nothing)", async () => {
        await lab.stack.workspace.selectStack("kind-canary-traefik");
        const backendUrl = `file://${path.join(lab.scratchDir, "state")}`;
        assert.equal(selectedStackOf(path.join(lab.scratchDir, "Pulumi.yaml"), "rollout-lab", backendUrl), "organization/rollout-lab/kind-canary-traefik");
    });

    it("remove() takes the scratch project's workspace file with it (what the CLI wrote on selecting its stack)", async () => {
        const other = await openLabStack({ stack: "kind-canary" });
        await other.stack.workspace.selectStack("kind-canary");
        const file = workspaceFileOf(path.join(other.scratchDir, "Pulumi.yaml"), "rollout-lab");
        assert.equal(fs.existsSync(file), true, `the CLI wrote ${file}`);
        other.remove();
        assert.equal(fs.existsSync(file), false);
        assert.equal(fs.existsSync(other.scratchDir), false);
    });

    it("the same config, key by key, as the CLI reads it", async () => {
        const file = await stackFileOf(lab.stack);
        const original = fs.readFileSync(file, "utf8");
        await lab.stack.setAllConfig(Object.fromEntries(Object.entries(change).map(([k, value]) => [k, { value }])), true);
        const byCli = await lab.stack.getAllConfig();
        fs.writeFileSync(file, original);
        await setPathConfig(lab.stack, change);
        const byLab = await lab.stack.getAllConfig();
        assert.deepEqual(byLab, byCli);
        assert.equal(byLab["rollout-lab:canary"].value, '{"sticky":true,"weight":50}');
        // The stack file's comments stay (the CLI's rewrite drops them).
        assert.match(fs.readFileSync(file, "utf8"), /^# Canary through the Gateway API with Traefik/);
    });
});
