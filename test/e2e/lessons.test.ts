import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { strategies } from "../../components/plan";
import { lessons } from "../../tools/lab/check/lessons";
import { repoRoot } from "../../tools/lib/stackFile";
import { lessonBlocks, lessonScript, LessonBlock } from "../support/lessonScript";
import { log, swarmLeftovers } from "./support";

// The lessons as a student follows them: a copy of the repository as a fresh clone has it (tracked and
// untracked files, nothing git ignores: no node_modules, no .pulumi), then lessons/README.md's
// "Before the first lesson" blocks and each lesson's ```sh blocks run literally in bash, in order, in
// that copy. Every command must succeed, and each `lab check` line marked `# fails: "..."` must exit 1
// and say so. Needs what the Swarm e2e needs (a Docker engine; on a machine without registries the
// toolchain, base and monitoring images built, given to the lessons as ROLLOUT_LAB_MACHINE_CONFIG).
// The first lesson runs a second time at the end: a teardown must let a student start it again.
// E2E_LESSONS=canary,shadow runs only those lessons. Each lesson's whole output goes to
// $TMPDIR/rollout-lab-lesson-<lesson>.log.

const only = (process.env.E2E_LESSONS ?? "").split(",").filter(Boolean);
const chosen = strategies.filter((s) => only.length === 0 || only.includes(s));

function setupBlocks(): LessonBlock[] {
    const index = fs.readFileSync(path.join(repoRoot, "lessons", "README.md"), "utf8");
    const blocks = lessonBlocks(index).filter((b) => b.section === "Before the first lesson");
    assert.ok(blocks.length >= 1, "lessons/README.md's setup: the install block");
    return blocks;
}

/**
 * On a machine without registries (E2E_MONITORING_IMAGES given), the settings the machine decides, as a
 * ROLLOUT_LAB_MACHINE_CONFIG file: the lessons themselves stay as a laptop runs them.
 */
function machineConfig(dir: string): Record<string, string> {
    if (!process.env.E2E_MONITORING_IMAGES) {
        return {};
    }
    const base = process.env.E2E_BASE_IMAGE ?? "rollout-lab/debian-base:bookworm";
    const file = path.join(dir, "machine.conf");
    const lines = [`rollout-lab:app.baseImage=${base}`, `rollout-lab:swarm.edgeBaseImage=${base}`, "rollout-lab:monitoring.grafana=false", ...process.env.E2E_MONITORING_IMAGES.split("\n").filter((l) => l.trim() !== "")];
    fs.writeFileSync(file, `${lines.join("\n")}\n`);
    return { ROLLOUT_LAB_MACHINE_CONFIG: file };
}

/** A copy of the working tree with what `git clone` would give (plus files not yet committed). */
function freshCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-lessons-"));
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(repoRoot, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(repoRoot, f), path.join(dir, f));
        fs.chmodSync(path.join(dir, f), fs.statSync(path.join(repoRoot, f)).mode);
    }
    return dir;
}

/** Runs `script` with bash in `cwd`; resolves with the exit code and the output (also streamed when E2E_VERBOSE). */
function runBash(script: string, cwd: string, timeoutMs: number, extraEnv: Record<string, string> = {}): Promise<{ code: number; output: string }> {
    return new Promise((resolve, reject) => {
        const file = path.join(cwd, ".lesson.sh");
        fs.writeFileSync(file, script);
        // A clean environment, as a student's shell: no E2E_* or PULUMI_* from the test runner.
        const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(E2E_|PULUMI_|MOCHA|TS_NODE)/.test(k))), ...extraEnv };
        const child = spawn("bash", [file], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let output = "";
        let partial = "";
        // Progress without E2E_VERBOSE: each block, each command the lesson runs (bash -x), each check line.
        const progress = /^(=== lesson|\+ (pulumi|npx|scripts|npm)|(PASS|FAIL|SKIP) |LESSON:)/;
        const take = (chunk: Buffer) => {
            output += chunk.toString();
            if (process.env.E2E_VERBOSE) return void process.stdout.write(chunk);
            const lines = (partial + chunk.toString()).split("\n");
            partial = lines.pop() ?? "";
            for (const line of lines.filter((l) => progress.test(l))) log(`  ${line}`);
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        const timer = setTimeout(() => {
            output += `\nLESSON: killed after ${timeoutMs / 1000} s\n`;
            process.kill(-child.pid!, "SIGKILL");
        }, timeoutMs);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code: code ?? -1, output });
        });
    });
}

describe("the lessons, followed literally on the local Swarm (real engine)", function () {
    this.timeout(20 * 60 * 1000);
    let copy = "";
    let installed = false;

    before(() => {
        assert.deepEqual(swarmLeftovers(), [], "start from an engine with nothing of the lab's");
        copy = freshCopy();
        log(`fresh copy: ${copy}`);
    });

    after(() => {
        if (copy) fs.rmSync(copy, { recursive: true, force: true });
    });

    // The first lesson once more at the end: its teardown must leave it to be done again from the top.
    const runs = chosen.length > 0 ? [...chosen.map((s) => [s, ""] as const), [chosen[0], " again, from the top after its teardown"] as const] : [];
    for (const [strategy, again] of runs) {
        const lesson = lessons[strategy];
        it(`${strategy}${again}: lessons/${strategy}.md on ${lesson.swarmStack}, every step's lab check passing, the marked ones failing`, async () => {
            const markdown = fs.readFileSync(path.join(repoRoot, "lessons", `${strategy}.md`), "utf8");
            // `npm ci` is the setup's "once": the first lesson runs it, the next ones reuse its node_modules.
            const setup = setupBlocks().map((b) => (installed ? { ...b, code: b.code.replace(/^npm ci$/m, "# npm ci: done by the first lesson") } : b));
            const t0 = Date.now();
            const { code, output } = await runBash(lessonScript([...setup, ...lessonBlocks(markdown)]), copy, 15 * 60 * 1000, machineConfig(copy));
            installed = installed || fs.existsSync(path.join(copy, "node_modules"));
            // The whole transcript, as the student's terminal would show it, outside the (removed) copy.
            const transcript = path.join(os.tmpdir(), `rollout-lab-lesson-${strategy}${again ? "-again" : ""}.log`);
            fs.writeFileSync(transcript, output);
            log(`transcript: ${transcript}`);
            const seconds = Math.round((Date.now() - t0) / 1000);
            const checks = output.split("\n").filter((l) => /^(PASS|FAIL|SKIP) /.test(l));
            log(`${strategy}: exit ${code} in ${seconds} s; lab check lines: ${checks.filter((l) => l.startsWith("PASS")).length} PASS, ${checks.filter((l) => l.startsWith("FAIL")).length} FAIL, ${checks.filter((l) => l.startsWith("SKIP")).length} SKIP`);
            try {
                assert.equal(code, 0, `the lesson's commands failed; the end of their output:\n${output.split("\n").slice(-60).join("\n")}`);
                assert.ok(output.includes("=== lesson done"));
                // Every step's check ran and printed its lines (3 steps passing, then the one after teardown failing).
                assert.ok(checks.filter((l) => l.startsWith("PASS")).length >= 3 * 4, "each step's checks printed PASS lines");
            } finally {
                // A lesson stopped half-way leaves its stack up: take it down so the next one starts clean.
                if (swarmLeftovers().length > 0) {
                    execFileSync("bash", ["-c", `export PATH="$(scripts/toolchain.sh --print-path):$PATH"; pulumi destroy -s ${lesson.swarmStack} --yes >/dev/null 2>&1 || true`], {
                        cwd: copy,
                        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "choose-a-passphrase", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" },
                    });
                }
                assert.deepEqual(swarmLeftovers(), [], "the lesson's teardown leaves nothing of the lab's");
            }
        });
    }
});
