import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../../test/support/pulumiHarness";
import { tempDir } from "../../test/support/localProcesses";
import { exitCodeOfError, runLab, stacksTable } from "./cli";
import { StackFileError, readStackConfig } from "../lib/stackFile";
import { labEnv, passphraseEnv } from "../lib/workspace";

// The `lab` command itself: help, the checked plans it prints without an engine, and its refusals with
// their exit codes. Run in this process (runLab), as commander's exitOverride allows; two cases start
// it as a user does (tools/lab/lab.js, and without a Pulumi CLI on PATH).

/**
 * The lab CLI run in this process, as `npx lab <args>` would run it, with its stdout and stderr captured
 * (commander and the commands write to process.stdout and process.stderr) and its exit code.
 */
async function lab(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const writeOut = process.stdout.write;
    const writeErr = process.stderr.write;
    process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
    try {
        const status = await runLab(args);
        return { status, stdout, stderr };
    } finally {
        process.stdout.write = writeOut;
        process.stderr.write = writeErr;
    }
}

describe("lab CLI", function () {
    this.timeout(120_000);

    it("--help lists every subcommand", async () => {
        const r = await lab("--help");
        assert.equal(r.status, 0);
        for (const c of ["stacks", "up [options] <stack>", "preview <stack>", "down <stack>", "probe", "rollout [options] <stack>", "compare", "report", "config [options] <stack>", "check [options] <stack>", "class"]) {
            assert.ok(r.stdout.includes(c), c);
        }
        assert.match((await lab("rollout", "--help")).stdout, /--steps <list>[\s\S]*--wait <seconds>[\s\S]*--dry-run/);
        assert.match((await lab("up", "--help")).stdout, /--timings\s+print where the time went/);
        assert.match((await lab("class", "--help")).stdout, /up \[options\] <class\.yaml>[\s\S]*check \[options\] <class\.yaml>[\s\S]*down \[options\] <class\.yaml>/);
        assert.match((await lab("class", "check", "--help")).stdout, /Exit codes: 0 every lab passed, 1 a lab failed a check, 2 bad usage or class file\./);
    });

    it("--help of the program and of each command that can fail gives its exit codes", async () => {
        assert.match((await lab("--help")).stdout, /Exit codes: 0 done, 1 failed, 2 bad usage or config, 3 rolled back \(lab rollout\)/);
        assert.match((await lab("rollout", "--help")).stdout, /Exit codes: 0 promoted \(every step passed\), 3 rolled back/);
        assert.match((await lab("check", "--help")).stdout, /Exit codes: 0 every check passed \(skips are printed, not failures\), 1 a check failed, 2 bad usage or config\./);
        for (const c of ["up", "preview", "down"]) {
            assert.match((await lab(c, "--help")).stdout, /Exit codes: 0 done, 1 the Pulumi command failed/, c);
        }
    });

    it("config shows the keys the stack's platform reads; --all every key", async () => {
        const swarm = JSON.parse((await lab("config", "swarm-canary")).stdout);
        assert.deepEqual(Object.keys(swarm).sort(), ["app", "bluegreen", "canary", "candidate", "measure", "monitoring", "namespace", "platform", "release", "shadow", "stable", "strategy", "swarm", "traffic"]);
        assert.deepEqual(swarm.canary, { weight: 10, sticky: false }, "no totalReplicas beside 3 + 1 tasks; sticky, which HAProxy can");
        const kind = JSON.parse((await lab("config", "kind-canary")).stdout);
        assert.equal(kind.swarm, undefined);
        assert.deepEqual(kind.canary, { weight: 10, totalReplicas: 10, maxTotalReplicas: 20 });
        assert.equal(kind.traefik, undefined);
        const traefik = JSON.parse((await lab("config", "kind-canary-traefik")).stdout);
        assert.deepEqual([traefik.traefik !== undefined, traefik.gatewayApi !== undefined, traefik.istio, traefik.canary.totalReplicas], [true, true, undefined, undefined]);
        const all = JSON.parse((await lab("config", "swarm-canary", "--all")).stdout);
        assert.equal(all.canary.totalReplicas, 10);
        assert.ok(all.kind !== undefined && all.istio !== undefined);
    });

    it("up --set: a key the schema does not know, a value out of range and a bad pair are refused (exit 2), the stack file unchanged", async () => {
        const file = path.join(repoRoot, "stacks", "Pulumi.kind-canary.yaml");
        const before = fs.readFileSync(file, "utf8");
        const typo = await lab("up", "kind-canary", "--set", "canary.wieght=50");
        assert.equal(typo.status, 2, typo.stderr);
        assert.match(typo.stderr, /rollout-lab:canary\.wieght: got "50"; allowed: no such key; keys here: weight, /);
        const range = await lab("up", "kind-canary", "--set", "rollout-lab:canary.weight=500");
        assert.equal(range.status, 2, range.stderr);
        assert.match(range.stderr, /rollout-lab:canary\.weight: got "500"; allowed: at most 100/);
        const other = await lab("up", "kind-canary", "--set", "kubernetes:context=x");
        assert.equal(other.status, 2, other.stderr);
        assert.match(other.stderr, /set: got "kubernetes:context=x"; allowed: <key>=<value> of the lab's config/);
        assert.equal(fs.readFileSync(file, "utf8"), before);
    });

    it("tools/lab/lab.js (npx lab) runs the same program", () => {
        const r = spawnSync(process.execPath, [path.join(repoRoot, "tools", "lab", "lab.js"), "check", "no-such-stack"], { encoding: "utf8", cwd: repoRoot, timeout: 60_000 });
        assert.equal(r.status, 2);
        assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("lab: ")).length, 1, "the error printed once");
        assert.match(r.stderr, /^lab: stack: got "no-such-stack"; allowed: one of the \d+ stacks in stacks\/ \(`npx lab stacks` lists them\)$/m);
    });

    it("rollout --dry-run prints the checked plan of a canary with --steps, and of blue/green", async () => {
        const r = await lab("rollout", "swarm-canary", "--steps", "20,60,100", "--wait", "30", "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /rollout of swarm-canary: canary on swarm\/haproxy, v1 -> v2/);
        assert.match(r.stdout, /step 1\/3: weight 20% +\(rollout-lab:canary\.weight=20\), then 30 s of checks/);
        assert.match(r.stdout, /rollback: weight 0% \(all to stable\)/);
        assert.match(r.stdout, /error ratio <= 5\.0% and p95 <= 500 ms over >= 50 requests/);
        assert.match((await lab("rollout", "kind-bluegreen-linkerd", "--dry-run")).stdout, /step 1\/1: switch to green/);
        assert.equal(r.stderr, "", "a dry run's plan is its output: stdout, nothing on stderr");
    });

    it("rollout --watch with --json is a usage error naming both, before anything runs", async () => {
        const r = await lab("rollout", "swarm-canary", "--watch", "--json");
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^lab: --watch: got together with --json; allowed: one of them \(--json prints the result on stdout, where the view draws\)$/m);
        assert.equal(r.stdout, "");
    });

    it("watch: a bad --interval and an unknown stack are usage errors naming them; --help says what it shows", async () => {
        const bad = await lab("watch", "swarm-canary", "--interval", "0.1");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /interval: got "0\.1"; allowed: a number from 0\.25 to 60/);
        const unknown = await lab("watch", "swarm-canaryy");
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /stack: got "swarm-canaryy"; allowed: .*swarm-canary/);
        assert.match((await lab("watch", "--help")).stdout, /--probe <rate>[\s\S]*--window <seconds>[\s\S]*--plain/);
    });

    it("rollout --dry-run of a replica-split canary names the pods of every step, resized where 10 cannot give the weight", async () => {
        const r = await lab("rollout", "kind-canary", "--steps", "5,40,100", "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /step 1\/3: weight 5% +\(rollout-lab:canary\.weight=5\) on 20 pods: 19 stable \+ 1 candidate \(not canary\.totalReplicas 10: it cannot give 5% exactly\), then/);
        assert.match(r.stdout, /step 2\/3: weight 40% +\(rollout-lab:canary\.weight=40\) on 10 pods: 6 stable \+ 4 candidate, then/);
        assert.match(r.stdout, /step 3\/3: weight 100% +\(rollout-lab:canary\.weight=100\) on 10 pods: 0 stable \+ 10 candidate, then/);
        assert.match(r.stdout, /rollback: weight 0% \(all to stable\) +\(rollout-lab:canary\.weight=0\) on 10 pods: 10 stable \+ 0 candidate/);
        const refused = await lab("rollout", "kind-canary", "--steps", "10,33", "--dry-run");
        assert.equal(refused.status, 2, refused.stderr);
        assert.match(refused.stderr, /rollout-lab:canary\.weight: got 33; allowed: .*nearest 30 or 35; 33 needs 100 replicas/);
        const compare = await lab("compare", "--platform", "kind", "--stacks", "kind-canary", "--dry-run");
        assert.equal(compare.status, 0, compare.stderr);
        assert.match(compare.stdout, /weight 25% on 12 pods: 9 stable \+ 3 candidate \(not canary\.totalReplicas 10/);
    });

    it("refuses, with exit code 2 and the key, the value and what is allowed", async () => {
        const cases: [string[], RegExp][] = [
            [["rollout", "swarm-rolling", "--dry-run"], /rollout-lab:strategy: got "rolling"; allowed: canary, bluegreen/],
            [["rollout", "swarm-canary", "--steps", "50,10"], /--steps: got "50,10"; allowed: a comma-separated list/],
            [["rollout", "swarm-canary", "--wait", "5"], /wait: got "5"; allowed: a number from 10 to 3600/],
            [["rollout", "nope", "--dry-run"], /stack: got "nope"; allowed: one of the \d+ stacks in stacks\/ \(`npx lab stacks`/],
            [["check", "kind-canry"], /stack: got "kind-canry"; allowed: did you mean kind-canary\? one of the/],
            [["up", "swarm-bluegren"], /did you mean swarm-bluegreen\?/],
            [["compare", "--platform", "nomad"], /platform: got "nomad"; allowed: kind, kubernetes, swarm/],
        ];
        for (const [args, message] of cases) {
            const r = await lab(...args);
            assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr, message, args.join(" "));
        }
    });

    it("compare --dry-run shows each Swarm strategy's change", async () => {
        const r = await lab("compare", "--platform", "swarm", "--dry-run");
        assert.equal(r.status, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.deepEqual(lines.map((l) => l.split(":")[0]), ["swarm-recreate", "swarm-rolling", "swarm-bluegreen", "swarm-canary", "swarm-abtest", "swarm-shadow"]);
        assert.match(r.stdout, /swarm-abtest: abtest: before \{"rollout-lab:abtest\.value":"on-off"\}; then rule on: X-Canary: on; settles at 50% v2/);
    });

    it("report draws a comparison's results.json again", async () => {
        const dir = tempDir("lab-report");
        const results = [
            {
                stack: "swarm-bluegreen", strategy: "bluegreen", platform: "swarm", traffic: "haproxy", stableVersion: "v1", candidateVersion: "v2", ratePerSecond: 10,
                changeAtS: 1, settledAtS: 2,
                probe: { url: "", ratePerSecond: 10, durationS: 3, requests: 30, ok: 30, failed: 0, failures: {}, errorWindow: null, versions: {}, latencyMs: { p50: 1, p95: 1, p99: 1, max: 1 }, change: null },
                timeline: [0, 1, 2].map((t) => ({ t, versions: t < 1 ? { v1: 10 } : { v2: 10 }, failed: 0 })),
                baselineReplicas: 3, peakReplicas: 6, extraReplicaSeconds: 6, peakCpuCores: 0.1, peakMemoryBytes: 1e8,
                cost: { cpuCoreSeconds: 0.3, memoryGbSeconds: 0.3, cpuCost: 0, memoryCost: 0, total: 0.000004, currency: "USD" },
                series: { replicas: { v1: [{ t: 0, value: 3 }], v2: [{ t: 0, value: 3 }] }, cpuCores: {}, memoryBytes: {} },
            },
        ];
        fs.writeFileSync(path.join(dir, "results.json"), JSON.stringify(results));
        const r = await lab("report", path.join(dir, "results.json"));
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), `${path.join(dir, "report.md")}\n${path.join(dir, "report.html")}`);
        assert.match(fs.readFileSync(path.join(dir, "report.md"), "utf8"), /\| bluegreen \| swarm-bluegreen \| 30 \| 0 \|/);
        assert.ok(fs.statSync(path.join(dir, "plots", "resources.svg")).size > 1000);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("lab CLI: usage errors before environment errors", function () {
    this.timeout(120_000);

    it("check --step 9 is a usage error (exit 2) even without a Pulumi CLI: the step is checked first", () => {
        const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", path.join(repoRoot, "tools", "lab", "cli.ts"), "check", "swarm-canary", "--step", "9"], {
            encoding: "utf8",
            cwd: repoRoot,
            timeout: 60_000,
            // No pulumi on PATH, and no toolchain cache: the CLI check would fail with exit 1.
            env: { ...process.env, PATH: path.dirname(process.execPath), ROLLOUT_LAB_TOOLCHAIN_DIR: path.join(tempDir("no-toolchain"), "none") },
        });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^lab: --step: got "9"; allowed: 1 to 3 \(the canary lesson's steps\)$/m);
    });
});

describe("lab CLI: stack files", () => {
    const write = (dir: string, stack: string, text: string) => fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);

    it("a stack file that is not YAML is a usage error naming the file and the line", () => {
        const dir = tempDir("stacks-yaml");
        write(dir, "broken", "config:\n  rollout-lab:strategy: canary\n   rollout-lab:platform: [swarm\n");
        assert.throws(
            () => readStackConfig("broken", dir),
            (e: Error) => e instanceof StackFileError && e.message.includes("Pulumi.broken.yaml: not valid YAML: ") && /at line 2, column \d+/.test(e.message) && path.isAbsolute(e.message.split(": ")[0]),
        );
        write(dir, "list", "- a\n- b\n");
        assert.throws(() => readStackConfig("list", dir), (e: Error) => e instanceof StackFileError && /Pulumi\.list\.yaml: allowed: a YAML map whose `config:` is a map/.test(e.message));
        assert.equal(exitCodeOfError(new StackFileError("x", "y")), 2);
        assert.equal(exitCodeOfError(new Error("engine")), 1);
    });

    it("lab stacks: columns as wide as the longest name, and an invalid stack's every problem on its line", () => {
        const dir = tempDir("stacks-table");
        write(dir, "a-very-long-stack-name-for-the-table", "config:\n  rollout-lab:strategy: canary\n  rollout-lab:candidate:\n    version: v2\n");
        write(dir, "bad", "config:\n  rollout-lab:strategy: blue\n  rollout-lab:candidate:\n    version: v2\n  rollout-lab:canary:\n    weight: 150\n");
        const lines = stacksTable(dir);
        assert.equal(lines[0], "a-very-long-stack-name-for-the-table  kind        canary     native");
        assert.match(lines[1], /^bad {35}invalid: rollout-lab:strategy: got "blue"; allowed: .*; rollout-lab:canary\.weight: got 150; allowed: /);
    });
});

describe("lab: the passphrase of a lab's secrets", () => {
    it("is the user's when set; otherwise a random one made once in the state folder, 0600, and read from there after", () => {
        const dir = path.join(tempDir("passphrase"), "state");
        assert.deepEqual(passphraseEnv(dir, { PULUMI_CONFIG_PASSPHRASE: "mine" }), { PULUMI_CONFIG_PASSPHRASE: "mine" });
        assert.deepEqual(passphraseEnv(dir, { PULUMI_CONFIG_PASSPHRASE_FILE: "/somewhere/pass" }), { PULUMI_CONFIG_PASSPHRASE_FILE: "/somewhere/pass" });
        assert.equal(fs.existsSync(dir), false, "nothing made when the user gives one");
        const made: string[] = [];
        const env = passphraseEnv(dir, {}, (f) => made.push(f));
        const file = path.join(dir, "passphrase");
        assert.deepEqual(env, { PULUMI_CONFIG_PASSPHRASE_FILE: file });
        assert.deepEqual(made, [file]);
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /^[A-Za-z0-9_-]{32}\n$/, "24 random bytes, base64url");
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.deepEqual(passphraseEnv(dir, {}, (f) => made.push(f)), env);
        assert.equal(fs.readFileSync(file, "utf8"), text, "kept, not made again");
        assert.equal(made.length, 1);
        assert.notEqual(fs.readFileSync(path.join(passphraseEnvDir(), "passphrase"), "utf8"), text, "another folder, another passphrase");
    });
});

describe("lab: the engine's environment", () => {
    it("lets a laptop's engine download plugins unless the machine says it cannot", () => {
        const saved = process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION;
        try {
            delete process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION;
            assert.equal("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION" in labEnv(tempDir("env"), "p"), false);
            process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
            assert.equal(labEnv(tempDir("env"), "p").PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, "true");
        } finally {
            if (saved === undefined) {
                delete process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION;
            } else {
                process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = saved;
            }
        }
    });
});

function passphraseEnvDir(): string {
    const dir = path.join(tempDir("passphrase-other"), "state");
    passphraseEnv(dir, {});
    return dir;
}

describe("lab: a read-only state folder", function () {
    this.timeout(120_000);

    it("up, preview, down and rollout say which folder and what to do, exit 2 and change nothing", function () {
        // The repo's state folder mounted read-only in a mount namespace of this test's own (as root in it,
        // so permissions alone would not stop a write: a read-only file system does).
        const state = path.join(repoRoot, ".pulumi");
        fs.mkdirSync(state, { recursive: true });
        if (spawnSync("unshare", ["--mount", "--map-root-user", "true"]).status !== 0) {
            this.skip(); // no user namespaces here (the skip is printed as pending)
        }
        const before = fs.readdirSync(state, { recursive: true, encoding: "utf8" }).sort();
        for (const args of [["up", "kind-canary"], ["preview", "kind-canary"], ["down", "kind-canary"], ["rollout", "kind-canary"]]) {
            const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"';
            const r = spawnSync("unshare", ["--mount", "--map-root-user", "sh", "-c", script, "sh", state, process.execPath, path.join(repoRoot, "tools", "lab", "lab.js"), ...args], {
                encoding: "utf8",
                cwd: repoRoot,
                timeout: 60_000,
            });
            assert.equal(r.status, 2, `lab ${args.join(" ")}: ${r.stderr}`);
            // (rollout prints its plan first)
            assert.equal(
                r.stderr.trim().split("\n").pop(),
                `lab: the state folder ${state} is not writable (EROFS): nothing was changed. Make it writable (chmod -R u+w ${state}, or remount it read-write), ` +
                    `or point the lab at another state folder (PULUMI_BACKEND_URL=file://<folder>)`,
            );
        }
        assert.deepEqual(fs.readdirSync(state, { recursive: true, encoding: "utf8" }).sort(), before, "nothing written to the state folder");
    });
});
