// Benchmark: what `pulumi preview` of a lab stack costs against an empty TypeScript program on the same
// engine (the same CLI, language host and Node), run after run. Prints the median seconds of:
//   empty          a `pulumi new typescript`-style program (index.ts exports nothing), type-checked as
//                  its default is
//   lab, checked   the stack with type-checking forced back on (PULUMI_NODEJS_TRANSPILE_ONLY=false):
//                  how the lab previewed before tsconfig.pulumi.json
//   lab            the stack as Pulumi.yaml runs it now (tsconfig.pulumi.json: noCheck)
//   lab + policy   the same with the policy pack (what CI and the pull-request workflow run)
// and each lab figure's ratio to the empty program's. The goal: lab <= 2x empty.
// Needs the Pulumi CLI, the nodejs language host and the providers on PATH (scripts/toolchain.sh).
// Run: npm run bench:preview -- [--stack kind-canary] [--runs 5]
import { spawnSync } from "child_process";
import { Command } from "commander";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { repoRoot } from "../lib/stackFile";
import { labEnv } from "../lib/workspace";
import { previewStack } from "../ci/preview/previewStack";

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** An empty TypeScript program in a scratch folder, using the repo's node_modules (same SDK, same TypeScript). */
function emptyProgram(): { dir: string; preview(): number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-bench-empty-"));
    fs.mkdirSync(path.join(dir, "state"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name: "empty", runtime: { name: "nodejs", options: { typescript: true } }, backend: { url: `file://${path.join(dir, "state")}` } }));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "empty", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2022", module: "commonjs", types: ["node"], skipLibCheck: true } }));
    fs.writeFileSync(path.join(dir, "index.ts"), "export {};\n");
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    const env = { ...process.env, ...labEnv(dir) };
    const init = spawnSync("pulumi", ["stack", "init", "bench", "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
    if (init.status !== 0) throw new Error(`pulumi stack init failed: ${init.stderr}`);
    return {
        dir,
        preview() {
            const started = process.hrtime.bigint();
            const run = spawnSync("pulumi", ["preview", "--non-interactive", "--stack", "bench"], { cwd: dir, env, encoding: "utf8", timeout: 5 * 60 * 1000 });
            if (run.status !== 0) throw new Error(`empty program's preview failed:\n${run.stdout}${run.stderr}`);
            return Number(process.hrtime.bigint() - started) / 1e9;
        },
    };
}

async function main(): Promise<void> {
    const opts = new Command()
        .description("pulumi preview of a lab stack against an empty program's, medians and ratios")
        .option("--stack <name>", "stack of stacks/", "kind-canary")
        .option("--runs <n>", "previews of each kind", (v) => Number.parseInt(v, 10), 5)
        .parse()
        .opts<{ stack: string; runs: number }>();
    const renderDir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-bench-render-"));
    // Render mode for a Kubernetes stack (no cluster needed), as the figure in issue 16 was taken.
    const config: Record<string, string> = opts.stack.startsWith("kind-") ? { "rollout-lab:renderYamlTo": renderDir } : {};
    const empty = emptyProgram();
    const times: Record<string, number[]> = { empty: [], "lab, checked": [], lab: [], "lab + policy": [] };
    try {
        for (let i = 1; i <= opts.runs; i++) {
            times.empty.push(empty.preview());
            const checked = await previewStack({ stack: opts.stack, config, policy: false, env: { PULUMI_NODEJS_TRANSPILE_ONLY: "false" } });
            const now = await previewStack({ stack: opts.stack, config, policy: false });
            const policy = await previewStack({ stack: opts.stack, config, policy: true });
            for (const r of [checked, now, policy]) {
                if (!r.ok) throw new Error(`preview of ${opts.stack} failed:\n${[...r.errors, ...r.policy.map((p) => `${p.level} ${p.policy}: ${p.message}`)].join("\n")}`);
            }
            times["lab, checked"].push(checked.seconds);
            times.lab.push(now.seconds);
            times["lab + policy"].push(policy.seconds);
            process.stderr.write(`  run ${i}/${opts.runs}: empty ${times.empty[i - 1].toFixed(2)} s, checked ${checked.seconds.toFixed(2)} s, lab ${now.seconds.toFixed(2)} s, + policy ${policy.seconds.toFixed(2)} s\n`);
        }
    } finally {
        fs.rmSync(empty.dir, { recursive: true, force: true });
        fs.rmSync(renderDir, { recursive: true, force: true });
    }
    const base = median(times.empty);
    console.log(`pulumi preview, ${opts.stack} against an empty TypeScript program, ${opts.runs} runs each (${os.cpus().length} cores, node ${process.version}):`);
    for (const [what, xs] of Object.entries(times)) {
        const m = median(xs);
        console.log(`  ${what.padEnd(14)} median ${m.toFixed(2)} s  (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})${what === "empty" ? "" : `  ratio ${(m / base).toFixed(2)}x`}`);
    }
    const ratio = median(times.lab) / base;
    console.log(`goal: lab <= 2x empty: ${ratio <= 2 ? "met" : "NOT met"} (${ratio.toFixed(2)}x)`);
}

main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
