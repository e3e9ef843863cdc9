// npm run preview -- <command>: the pull-request previews, here and in .github/workflows/preview.yml.
//   changed --base <ref> | --all   the stacks the changes since <ref> touch, as a JSON array (the matrix)
//   run [stacks...] [--all]        pulumi preview of each, with the policy pack; one line each, and each
//                                  result as <out>/<stack>.json; exit 1 if any failed or broke a
//                                  mandatory policy
//   comment --head <dir>           the PR comment's Markdown from run's results (and --base <dir>'s, the
//                                  same stacks previewed on the base branch)
import { execFileSync } from "child_process";
import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { configPair, stackArg } from "../../lab/cliArgs";
import { knownStacks } from "../../lib/stackFile";
import { changedStacks } from "./changedStacks";
import { StackComparison, commentBody } from "./comment";
import { PreviewResult, previewStack } from "./previewStack";

const program = new Command("preview").description("pull-request previews of the lab's stacks, with the policy pack");

program
    .command("changed")
    .description("the stacks the changes since --base touch (a JSON array)")
    .option("--base <ref>", "the base branch's commit or ref")
    .option("--all", "every stack (a push to main)")
    .action((o: { base?: string; all?: boolean }) => {
        if (o.all) {
            console.log(JSON.stringify(knownStacks()));
            return;
        }
        if (!o.base) throw new Error("changed: --base <ref> or --all");
        const files = execFileSync("git", ["diff", "--name-only", `${o.base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
        console.log(JSON.stringify(changedStacks(files, knownStacks())));
    });

program
    .command("run")
    .description("pulumi preview of each stack with the policy pack")
    .argument("[stacks...]", "stacks of stacks/")
    .option("--all", "every stack of stacks/")
    .option("--out <dir>", "write each result as <dir>/<stack>.json")
    .option("--config <key=value>", "config on top of each stack file (repeatable), e.g. rollout-lab:gatewayApi.crds=<file>", configPair, {})
    .option("--no-policy", "without the policy pack")
    .action(async (stacks: string[], o: { all?: boolean; out?: string; config: Record<string, string>; policy: boolean }) => {
        const names = o.all ? knownStacks() : stacks.map(stackArg);
        if (names.length === 0) throw new Error("no stack: name stacks, or --all");
        if (o.out) fs.mkdirSync(o.out, { recursive: true });
        let failed = 0;
        for (const [i, stack] of names.entries()) {
            const r = await previewStack({ stack, config: o.config, policy: o.policy });
            if (o.out) fs.writeFileSync(path.join(o.out, `${stack}.json`), JSON.stringify(r, null, 1));
            const mandatory = r.policy.filter((p) => p.level === "mandatory");
            const advisory = r.policy.length - mandatory.length;
            const bad = !r.ok || mandatory.length > 0;
            failed += bad ? 1 : 0;
            const counts = Object.entries(r.changes).map(([op, n]) => `${n} ${op}`).join(", ");
            console.log(`[${i + 1}/${names.length}] ${stack}: ${bad ? "FAILED" : "ok"} in ${r.seconds.toFixed(1)} s (${counts || "no resources"}; ${mandatory.length} mandatory, ${advisory} advisory policy findings)`);
            for (const p of r.policy) console.log(`    ${p.level} ${p.policy} ${p.resource}: ${p.message}`);
            for (const e of r.errors) console.log(`    error: ${e.split("\n").slice(0, 6).join("\n           ")}`);
        }
        console.log(`previews: ${names.length - failed} passed, ${failed} failed`);
        process.exitCode = failed > 0 ? 1 : 0;
    });

program
    .command("comment")
    .description("the PR comment's Markdown from run's results")
    .requiredOption("--head <dir>", "run --out of the pull request's head")
    .option("--base <dir>", "run --out of the base branch, for the field diff")
    .option("--head-ref <ref>", "the head commit, for the header")
    .option("--base-ref <ref>", "the base commit, for the header")
    .option("--out <file>", "write the Markdown here instead of stdout")
    .action((o: { head: string; base?: string; headRef?: string; baseRef?: string; out?: string }) => {
        const read = (dir: string | undefined, stack: string): PreviewResult | undefined => {
            const f = dir && path.join(dir, `${stack}.json`);
            return f && fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, "utf8")) as PreviewResult) : undefined;
        };
        const stacks = fs.existsSync(o.head) ? fs.readdirSync(o.head).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort() : [];
        const comparisons: StackComparison[] = stacks.map((stack) => ({ stack, head: read(o.head, stack)!, base: read(o.base, stack) }));
        const body = commentBody(comparisons, { base: o.baseRef, head: o.headRef });
        if (o.out) fs.writeFileSync(o.out, body);
        else process.stdout.write(body);
    });

program.parseAsync().catch((e) => {
    console.error(`preview: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
});
