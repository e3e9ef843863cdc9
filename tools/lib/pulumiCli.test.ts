import { strict as assert } from "assert";
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";
import { cliKey, knownPulumiCommand, selectLeftStacks, selectedStackOf, stackSelectedLater } from "./pulumiCli";

// A stand-in `pulumi` on PATH (a script that says its version and counts its runs): the lab asks a CLI its
// version once per binary, and again when the binary changes.
describe("lab: the Pulumi CLI's version asked once per binary", () => {
    let dir: string;
    let savedPath: string | undefined;
    const runs = () => (fs.existsSync(path.join(dir, "runs")) ? fs.readFileSync(path.join(dir, "runs"), "utf8").split("\n").filter((l) => l !== "").length : 0);
    const binary = () => path.join(dir, "bin", "pulumi");
    const cache = () => path.join(dir, "cache", "cli.json");

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-cli-"));
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(binary(), `#!/bin/sh\necho "$1" >> ${path.join(dir, "runs")}\necho v3.276.0\n`, { mode: 0o755 });
        savedPath = process.env.PATH;
        process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH ?? ""}`;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs `pulumi version` the first time, then takes the kept version", async () => {
        const first = await knownPulumiCommand(binary(), cache());
        assert.equal(first.version?.toString(), "3.276.0");
        assert.equal(runs(), 1);
        assert.deepEqual(JSON.parse(fs.readFileSync(cache(), "utf8")), { key: cliKey(binary()), version: "3.276.0" });
        const second = await knownPulumiCommand(binary(), cache());
        assert.equal(second.version?.toString(), "3.276.0");
        assert.equal(second.command, "pulumi");
        assert.equal(runs(), 1, "the second command did not run the CLI");
    });

    it("asks again when the binary changes (its size or time), and keeps the new answer", async () => {
        await knownPulumiCommand(binary(), cache());
        // A rebuilt binary: another size (a time within the same millisecond would not tell).
        fs.writeFileSync(binary(), `#!/bin/sh\n# rebuilt\necho "$1" >> ${path.join(dir, "runs")}\necho v3.280.1\n`, { mode: 0o755 });
        const after = await knownPulumiCommand(binary(), cache());
        assert.equal(after.version?.toString(), "3.280.1");
        assert.equal(runs(), 2);
    });

    it("a CLI older than the SDK's minimum is refused as the SDK refuses it, and not kept", async () => {
        fs.writeFileSync(binary(), `#!/bin/sh\necho v3.1.0\n`, { mode: 0o755 });
        await assert.rejects(knownPulumiCommand(binary(), cache()), /Minimum version requirement failed/);
        assert.equal(fs.existsSync(cache()), false);
    });
});

describe("lab: a stack that exists is selected after the command's work", () => {
    it("no `stack select` when the Stack is made; one, for each stack, when the command is done", async () => {
        const selected: string[] = [];
        const workspace = { selectStack: async (name: string) => void selected.push(name) } as unknown as automation.LocalWorkspace;
        const stack = await stackSelectedLater(workspace, "kind-canary");
        assert.equal(stack.name, "kind-canary");
        assert.deepEqual(selected, []);
        await selectLeftStacks();
        assert.deepEqual(selected, ["kind-canary"]);
        await selectLeftStacks();
        assert.deepEqual(selected, ["kind-canary"], "each once");
    });

    it("a stack removed meanwhile (lab down) is not an error; another failure is", async () => {
        const gone = { selectStack: async () => Promise.reject(new automation.StackNotFoundError("no stack named a found")) } as unknown as automation.LocalWorkspace;
        await stackSelectedLater(gone, "a");
        await selectLeftStacks();
        const broken = { selectStack: async () => Promise.reject(new Error("disk full")) } as unknown as automation.LocalWorkspace;
        await stackSelectedLater(broken, "b");
        await assert.rejects(selectLeftStacks(), /disk full/);
    });
});

describe("lab: the stack a bare pulumi acts on, read from the CLI's workspace file", () => {
    let home: string;
    beforeEach(() => (home = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-home-"))));
    afterEach(() => fs.rmSync(home, { recursive: true, force: true }));
    const write = (text: string) => {
        // The CLI's name for it: <project>-<sha1 of the project file's path>-workspace.json.
        const key = crypto.createHash("sha1").update("/work/lab/Pulumi.yaml").digest("hex");
        fs.mkdirSync(path.join(home, "workspaces"), { recursive: true });
        fs.writeFileSync(path.join(home, "workspaces", `rollout-lab-${key}-workspace.json`), text);
    };

    it("the selected stack per backend URL; none where the file is missing or not as expected", () => {
        const env = { PULUMI_HOME: home };
        assert.equal(selectedStackOf("/work/lab/Pulumi.yaml", "rollout-lab", "file://./.pulumi", env), undefined);
        write(JSON.stringify({ stacks: { "file://./.pulumi": "organization/rollout-lab/kind-canary" } }));
        assert.equal(selectedStackOf("/work/lab/Pulumi.yaml", "rollout-lab", "file://./.pulumi", env), "organization/rollout-lab/kind-canary");
        assert.equal(selectedStackOf("/work/lab/Pulumi.yaml", "rollout-lab", "file:///elsewhere", env), undefined);
        assert.equal(selectedStackOf("/work/other/Pulumi.yaml", "rollout-lab", "file://./.pulumi", env), undefined);
        write("not json");
        assert.equal(selectedStackOf("/work/lab/Pulumi.yaml", "rollout-lab", "file://./.pulumi", env), undefined);
    });

    it("a stack selected already leaves no selection to make", async () => {
        const selected: string[] = [];
        const workspace = { selectStack: async (name: string) => void selected.push(name) } as unknown as automation.LocalWorkspace;
        await stackSelectedLater(workspace, "kind-canary", true);
        await selectLeftStacks();
        assert.deepEqual(selected, []);
    });
});
