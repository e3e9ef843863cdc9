// The comparison report's users section (`lab compare --users`): per strategy and step, how the simulated
// users were spread over the versions and how many saw both, as rows, a Vega-Lite plot and words.
import { StrategyResult } from "./compare";

type VegaLiteSpec = Record<string, unknown>;

const fixed = (x: number, digits: number) => x.toFixed(digits);

/**
 * With simulated users: one row per strategy and step (before the change, then each change until the
 * next): users answered, the share of users who saw only the stable or only the candidate version, and the
 * users who saw both within the step (the flip rate).
 */
export function userRows(results: StrategyResult[]): { header: string[]; rows: string[][] } | undefined {
    const measured = results.filter((r) => r.users !== undefined);
    if (measured.length === 0) {
        return undefined;
    }
    const header = ["strategy", "step", "users", "only stable", "only candidate", "saw both", "flip rate"];
    const rows = measured.flatMap((r) =>
        r.users!.steps.map((s) => [
            r.strategy,
            s.label,
            String(s.users),
            fixed(s.shares[r.stableVersion] ?? 0, 3),
            fixed(s.shares[r.candidateVersion] ?? 0, 3),
            String(s.flipped),
            fixed(s.flipRate, 3),
        ]),
    );
    return { header, rows };
}

/** The users plot: per strategy, the flip rate of each step, in the order the steps came. */
export function usersPlotSpec(results: StrategyResult[]): VegaLiteSpec | undefined {
    const measured = results.filter((r) => r.users !== undefined);
    if (measured.length === 0) {
        return undefined;
    }
    const values = measured.flatMap((r) => r.users!.steps.map((s, i) => ({ strategy: r.strategy, step: `${i}: ${s.label}`, flip_rate: s.flipRate, users: s.users })));
    return {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        data: { values },
        title: "Users who saw both versions within a step",
        mark: { type: "bar" },
        width: 360,
        height: { step: 14 },
        encoding: {
            y: { field: "step", type: "nominal", title: null, sort: null },
            x: { field: "flip_rate", type: "quantitative", title: "flip rate (share of users)", scale: { domain: [0, 1] } },
            row: { field: "strategy", type: "nominal", title: null, sort: measured.map((r) => r.strategy), header: { labelAngle: 0, labelAlign: "left" } },
        },
    };
}

/** The users plot's description: each strategy's highest flip rate; empty when no user was simulated. */
export function describeUsers(results: StrategyResult[]): string {
    const measured = results.filter((r) => r.users !== undefined);
    if (measured.length === 0) {
        return "";
    }
    return `Per step, the share of simulated users (each with its own cookies and connection) who got answers from both versions within that step. Highest per strategy: ${measured
        .map((r) => `${r.strategy} ${Math.max(...r.users!.steps.map((s) => s.flipRate)).toFixed(3)} of ${r.users!.count} users`)
        .join("; ")}.`;
}
