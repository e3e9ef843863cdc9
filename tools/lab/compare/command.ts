// `lab compare`: each strategy's stack moved from v1 to v2 under load, measured, and written up as a report.
import { LabConfig } from "../../../components/config";
import { StrategyResult, compareOne, comparisonStacks } from "./compare";
import { applyChange, ensurePulumiCli, engineOutput } from "../../lib/engine";
import { writeReport } from "./report";
import { knownStacks, loadStackConfig } from "../../lib/stackFile";
import { replicaSplitOf } from "../../lib/stackFile";
import { comparisonPlan } from "../../../components/plan";
import { err, exitCodes, stackArg } from "../cliArgs";
import { openLabStack } from "../../lib/workspace";

export async function compareAction(opts: {
    platform: string;
    stacks?: string;
    out: string;
    rate: number;
    pre: number;
    settle: number;
    settleWindow: number;
    config: Record<string, string>;
    keep?: boolean;
    dryRun?: boolean;
    users?: number;
    hold?: number;
}): Promise<number> {
    const stacks = opts.stacks ? opts.stacks.split(",").map((s) => stackArg(s.trim())) : comparisonStacks(opts.platform as LabConfig["platform"], knownStacks());
    const plans = stacks.map((stack) => {
        const config = loadStackConfig(stack, undefined, opts.config);
        const plan = comparisonPlan(config);
        // Each change checked before anything runs; where the router splits by replica ratio, the pods it runs on.
        const labels = plan.changes.map((c) => {
            const pods = replicaSplitOf(loadStackConfig(stack, undefined, { ...opts.config, ...plan.before, ...c.change }));
            return pods === undefined ? c.label : `${c.label} on ${pods}`;
        });
        return { stack, config, plan, labels };
    });
    for (const p of plans) {
        // A dry run's plans are its output (stdout); a real run's, messages among the others (stderr).
        (opts.dryRun ? (s: string) => process.stdout.write(s) : err)(
            `${p.stack}: ${p.plan.strategy}: before ${JSON.stringify(p.plan.before)}; then ${p.labels.join(" -> ")}; settles at ${(100 * p.plan.settledCandidateShare).toFixed(0)}% ${p.config.candidate.version}\n`,
        );
    }
    if (opts.dryRun) {
        return exitCodes.ok;
    }
    ensurePulumiCli();
    const results: StrategyResult[] = [];
    for (const [i, p] of plans.entries()) {
        err(`[${i + 1}/${plans.length}] ${p.stack}\n`);
        // A scratch project per stack: the comparison never touches the stack files or state in the repo.
        const lab = await openLabStack({ stack: p.stack, config: opts.config });
        const { stack } = lab;
        results.push(
            await compareOne({
                stack: p.stack,
                config: p.config,
                plan: { ...p.plan, changes: p.plan.changes.map((c, j) => ({ ...c, label: p.labels[j] })) },
                driver: {
                    up: (change, label) => applyChange(stack, change, `${p.stack} ${label}`),
                    destroy: async () => {
                        await stack.destroy({ onOutput: engineOutput(`  [${p.stack} destroy] `), color: "never" });
                        lab.remove();
                    },
                },
                ratePerSecond: opts.rate,
                preChangeS: opts.pre,
                maxSettleS: opts.settle,
                settleWindowS: opts.settleWindow,
                pricing: p.config.measure.pricing,
                log: (l) => err(`  ${l}\n`),
                keep: opts.keep,
                ...(opts.users !== undefined ? { users: opts.users } : {}),
                // With users, each step is held (10 s unless --hold says) so that it has users to count.
                holdS: opts.hold ?? (opts.users !== undefined ? 10 : 0),
            }),
        );
    }
    const files = await writeReport(results, opts.out, { title: `Deployment strategies compared on ${opts.platform}` });
    process.stdout.write(`${files.markdown}\n${files.html}\n`);
    return exitCodes.ok;
}

