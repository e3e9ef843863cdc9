import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ensurePulumiCli } from "../../tools/lib/engine";
import { LabStack, labEnv, openLabStack, setPathConfig } from "../../tools/lib/workspace";

// `pulumi up` (the CLI running index.ts through a Node.js language host) and `lab` (the same program
// inline, through the Automation API) are two ways to one stack: a stack brought up by either is "no
// change" to the other. Here the language host is rollout-lab's own (tools/languageHost/host.ts, started by
// scripts/toolchain.sh's pulumi-language-nodejs launcher), where Pulumi's cannot be had; on a laptop it is
// Pulumi's. kind-canary in render mode (manifests written to a folder, no cluster), monitoring off.

describe("engine: pulumi up (language host) and lab (inline) agree on one stack", function () {
    this.timeout(300_000);
    let lab: LabStack;
    let dir: string;
    let rendered: string;

    /** The CLI itself, in the scratch project, with the lab's backend and passphrase. */
    const pulumi = (...args: string[]) => {
        const run = spawnSync("pulumi", [...args, "--stack", "kind-canary", "--non-interactive", "--color", "never"], {
            cwd: lab.scratchDir,
            env: { ...process.env, ...labEnv(lab.scratchDir) },
            encoding: "utf8",
            timeout: 240_000,
        });
        return { status: run.status, out: `${run.stdout}${run.stderr}` };
    };
    /** Pods per Deployment in the rendered manifests: what the stack would run. */
    const renderedReplicas = () => {
        const out: Record<string, number> = {};
        const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
        for (const file of walk(rendered).filter((f) => f.endsWith(".yaml"))) {
            for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
                const obj = doc.toJS();
                if (obj?.kind === "Deployment") out[obj.metadata.name] = obj.spec.replicas;
            }
        }
        return out;
    };

    before(async function () {
        ensurePulumiCli();
        if (spawnSync("sh", ["-c", "command -v pulumi-language-nodejs"]).status !== 0) {
            throw new Error("pulumi-language-nodejs is not on PATH: eval \"$(scripts/toolchain.sh)\" writes rollout-lab's, Pulumi's installer brings Pulumi's");
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-langhost-"));
        rendered = path.join(dir, "rendered");
        lab = await openLabStack({
            stack: "kind-canary",
            config: { "rollout-lab:renderYamlTo": rendered, "rollout-lab:monitoring.enabled": "false" },
        });
    });

    after(() => {
        lab?.remove();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("pulumi up runs index.ts through the language host and creates the stack", () => {
        const up = pulumi("up", "--yes", "--skip-preview");
        assert.equal(up.status, 0, up.out);
        assert.match(up.out, /\+ 10 created/, up.out);
        // The stack file's weight, 10 of 10 pods (kind-canary: weight 10, totalReplicas 10).
        assert.deepEqual(renderedReplicas(), { "demo-stable": 9, "demo-canary": 1 });
    });

    it("pulumi preview --policy-pack policy starts the pack through the host (RunPlugin)", () => {
        const preview = pulumi("preview", "--policy-pack", path.join(__dirname, "..", "..", "policy"));
        assert.equal(preview.status, 0, preview.out);
        assert.match(preview.out, /Policies:\s+✅ rollout-lab@v\S+ \(local: \S+policy\)/, preview.out);
    });

    it("lab sees no change in what pulumi up made", async () => {
        const preview = await lab.stack.preview({ color: "never" });
        assert.deepEqual(preview.changeSummary, { same: 10 });
    });

    it("lab steps the weight (45: 11 + 9 pods); pulumi preview then sees no change", async () => {
        await setPathConfig(lab.stack, { "rollout-lab:canary.weight": "45" });
        const up = await lab.stack.up({ color: "never" });
        assert.deepEqual(up.summary.resourceChanges, { same: 8, update: 2 });
        assert.deepEqual(renderedReplicas(), { "demo-stable": 11, "demo-canary": 9 });
        const preview = pulumi("preview", "--expect-no-changes");
        assert.equal(preview.status, 0, preview.out);
        assert.match(preview.out, /10 unchanged/);
    });

    it("and the other way: a config change is a change to pulumi preview (the check can fail)", () => {
        const set = pulumi("config", "set", "--path", "rollout-lab:canary.weight", "20");
        assert.equal(set.status, 0, set.out);
        const preview = pulumi("preview", "--expect-no-changes", "--diff");
        assert.notEqual(preview.status, 0, "a change is not 'no change'");
        assert.match(preview.out, /replicas: 11 => 8/, preview.out);
        assert.match(preview.out, /replicas: 9 => 2/, preview.out);
    });

    it("a program error reaches pulumi through the host: the bad key named, nothing changed", () => {
        const set = pulumi("config", "set", "--path", "rollout-lab:canary.weight", "33");
        assert.equal(set.status, 0, set.out);
        // What is rendered now: the last up's 11 + 9, or the weight-20 preview's 8 + 2 where the Kubernetes
        // provider could reach a cluster through the default kubeconfig (it then renders in a preview too).
        const before = renderedReplicas();
        const up = pulumi("up", "--yes", "--skip-preview");
        assert.notEqual(up.status, 0, up.out);
        assert.match(up.out, /canary\.weight/, up.out);
        assert.match(up.out, /nearest 30 or 35/, up.out);
        assert.deepEqual(renderedReplicas(), before, "nothing rendered by the failed up");
        assert.match(up.out, /Resources:\s+1 unchanged\s+1 errored/, "no resource changed");
    });
});
