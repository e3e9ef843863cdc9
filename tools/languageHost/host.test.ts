import { strict as assert } from "assert";
import * as path from "path";
import { parseHostArgs, pluginPlan, runOutcome, runPlan } from "./host";

describe("rollout-lab's language host", () => {
    it("reads the CLI's arguments: options, -root, and the engine address last", () => {
        // As the CLI starts a language plugin: each runtime option as -key=value, then -root, then the address.
        assert.deepEqual(parseHostArgs(["-typescript=true", "-tsconfig=tsconfig.pulumi.json", "-root=/home/u/lab", "127.0.0.1:40123"]), {
            engineAddress: "127.0.0.1:40123",
            root: "/home/u/lab",
            options: { typescript: "true", tsconfig: "tsconfig.pulumi.json" },
        });
        assert.throws(() => parseHostArgs(["-root=/x"]), /usage: pulumi-language-nodejs/);
    });

    it("starts cmd/run with the flags and environment its usage names", () => {
        const plan = runPlan({
            engineAddress: "127.0.0.1:1",
            monitorAddress: "127.0.0.1:2",
            project: "rollout-lab",
            stack: "kind-canary",
            organization: "organization",
            pwd: "/lab",
            rootDirectory: "/lab",
            program: ".",
            programArgs: [],
            dryRun: true,
            parallel: 16,
            config: { "rollout-lab:canary": '{"weight":10}' },
            configSecretKeys: ["rollout-lab:secret"],
            options: { typescript: true, tsconfig: "tsconfig.pulumi.json", nodeargs: "--max-old-space-size=512" },
            runHarness: "/lab/node_modules/@pulumi/pulumi/cmd/run/index.js",
        });
        assert.equal(plan.command, process.execPath);
        assert.equal(plan.cwd, "/lab");
        assert.deepEqual(plan.args, [
            "--max-old-space-size=512",
            "/lab/node_modules/@pulumi/pulumi/cmd/run/index.js",
            "--monitor=127.0.0.1:2",
            "--engine=127.0.0.1:1",
            "--project=rollout-lab",
            "--stack=kind-canary",
            "--pwd=/lab",
            "--root-directory=/lab",
            "--organization=organization",
            "--parallel=16",
            "--dry-run",
            ".",
        ]);
        assert.deepEqual(plan.env, {
            PULUMI_CONFIG: '{"rollout-lab:canary":"{\\"weight\\":10}"}',
            PULUMI_CONFIG_SECRET_KEYS: '["rollout-lab:secret"]',
            PULUMI_NODEJS_TYPESCRIPT: "true",
            PULUMI_NODEJS_TSCONFIG_PATH: "/lab/tsconfig.pulumi.json",
        });
    });

    it("an update (not a dry run) passes no --dry-run; typescript: false turns ts-node off", () => {
        const plan = runPlan({
            engineAddress: "e", monitorAddress: "m", project: "p", stack: "s", organization: "", pwd: "/w", rootDirectory: "/w",
            program: "", programArgs: ["a"], dryRun: false, parallel: 0, config: {}, configSecretKeys: [], options: { typescript: false }, runHarness: "/h",
        });
        assert.deepEqual(plan.args, ["/h", "--monitor=m", "--engine=e", "--project=p", "--stack=s", "--pwd=/w", "--root-directory=/w", ".", "a"]);
        assert.equal(plan.env.PULUMI_NODEJS_TYPESCRIPT, "false");
        assert.equal(plan.env.PULUMI_NODEJS_TSCONFIG_PATH, undefined);
    });

    it("tells the CLI how the program ended: 0 is success, 32 is 'already reported' (bail), else a message", () => {
        assert.deepEqual(runOutcome(0, null), { error: "", bail: false });
        assert.deepEqual(runOutcome(32, null), { error: "", bail: true });
        assert.deepEqual(runOutcome(1, null), { error: "the program exited with code 1", bail: false });
        assert.deepEqual(runOutcome(null, "SIGKILL"), { error: "the program was stopped by SIGKILL", bail: false });
    });

    it("starts a policy pack (analyzer) with cmd/run-policy-pack <engine> <folder>, other plugins with cmd/run-plugin", () => {
        const pack = path.join(__dirname, "..", "..", "policy");
        const policy = pluginPlan({ directory: pack, kind: "analyzer", args: ["127.0.0.1:5"], env: ["A=1", "B=x=y", "junk"], cmdDir: "/c" });
        assert.deepEqual(policy, { command: process.execPath, args: ["/c/run-policy-pack", "127.0.0.1:5", pack], cwd: pack, env: { A: "1", B: "x=y" } });
        const other = pluginPlan({ directory: "/nowhere/plugin", kind: "resource", args: ["--x"], env: [], cmdDir: "/c" });
        assert.deepEqual(other.args, ["/c/run-plugin", "/nowhere/plugin", "--x"]);
    });
});
