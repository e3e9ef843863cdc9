// The Mann-Whitney U test, one-sided: is the candidate's metric (latency, error ratio) stochastically
// greater than stable's? The rank sum comes from simple-statistics (ties ranked by their average); U, the
// normal approximation with its tie and continuity corrections, and the effect size are assembled here,
// as the textbook states them (and scipy's mannwhitneyu(..., alternative="greater", method="asymptotic")
// computes them: the tests check against its figures).
import type * as SimpleStatistics from "simple-statistics" with { "resolution-mode": "import" };

// simple-statistics is an ES module with a CommonJS build beside it (its `require` export): this project
// is CommonJS, so the build is required, typed by the module's declarations.
const { errorFunction, wilcoxonRankSum }: typeof SimpleStatistics = require("simple-statistics");

export interface MannWhitney {
    /** Samples of the candidate and of stable. */
    n1: number;
    n2: number;
    /** U of the candidate: pairs (candidate, stable) where the candidate's value is higher, ties counting half. */
    u: number;
    /** The standardised U (0 where every value ties: nothing to tell them apart). */
    z: number;
    /** The chance of a U at least this large if the candidate were no worse than stable. */
    pValue: number;
    /** U / (n1 n2): the chance a candidate sample is higher than a stable one (0.5: no difference). */
    effect: number;
}

/** Φ(z), the standard normal distribution function, from the error function. */
function normalCdf(z: number): number {
    return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** The test of `candidate` greater than `stable`; both need at least one sample. */
export function mannWhitneyGreater(candidate: readonly number[], stable: readonly number[]): MannWhitney {
    const n1 = candidate.length;
    const n2 = stable.length;
    if (n1 === 0 || n2 === 0) {
        throw new Error(`the Mann-Whitney test needs samples on both sides; got ${n1} and ${n2}`);
    }
    const u = wilcoxonRankSum(candidate, stable) - (n1 * (n1 + 1)) / 2;
    const n = n1 + n2;
    const ties = new Map<number, number>();
    for (const v of [...candidate, ...stable]) {
        ties.set(v, (ties.get(v) ?? 0) + 1);
    }
    const tieTerm = [...ties.values()].reduce((sum, t) => sum + (t ** 3 - t), 0) / (n * (n - 1));
    const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
    const mean = (n1 * n2) / 2;
    const z = sd === 0 ? 0 : (u - mean - 0.5) / sd;
    return { n1, n2, u, z, pValue: sd === 0 ? 1 : 1 - normalCdf(z), effect: u / (n1 * n2) };
}
