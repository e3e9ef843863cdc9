import { strict as assert } from "assert";
import { mannWhitneyGreater } from "./mannWhitney";

// Expected figures from scipy 1.x: mannwhitneyu(candidate, stable, alternative="greater",
// method="asymptotic", use_continuity=True) — an implementation of its own, not this one.

describe("lab rollout: the Mann-Whitney U test (candidate greater than stable)", () => {
    const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} against ${expected}`);

    it("R's example data (Hollander & Wolfe): U 35, p 0.122312 by the normal approximation", () => {
        const r = mannWhitneyGreater([0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], [1.15, 0.88, 0.9, 0.74, 1.21]);
        assert.deepEqual([r.n1, r.n2, r.u, r.effect], [10, 5, 35, 0.7]);
        close(r.pValue, 0.12231180256349167, "p");
    });

    it("error ratios with many ties (most intervals 0): U 121, p 0.001101", () => {
        const r = mannWhitneyGreater([0, 0, 0.02, 0.05, 0.01, 0.04, 0, 0.03, 0.06, 0.02, 0.05, 0.01], [0, 0, 0, 0.01, 0, 0, 0, 0, 0.01, 0, 0, 0]);
        assert.equal(r.u, 121);
        close(r.pValue, 0.0011009415387634033, "p");
    });

    it("the same distribution: U 32 of 64, p 0.521858; a lower candidate: U 0, p 0.997855", () => {
        const same = mannWhitneyGreater([10, 12, 11, 13, 12, 10, 11, 12], [11, 12, 10, 13, 12, 11, 10, 12]);
        assert.deepEqual([same.u, same.effect], [32, 0.5]);
        close(same.pValue, 0.5218575235680845, "p");
        const lower = mannWhitneyGreater([5, 6, 7, 5, 6], [9, 10, 11, 12, 9, 10]);
        assert.equal(lower.u, 0);
        close(lower.pValue, 0.9978548058127551, "p");
    });

    it("every value equal tells nothing (p 1), and an empty side is refused", () => {
        assert.deepEqual(mannWhitneyGreater([0, 0, 0], [0, 0]), { n1: 3, n2: 2, u: 3, z: 0, pValue: 1, effect: 0.5 });
        assert.throws(() => mannWhitneyGreater([], [1]), /needs samples on both sides; got 0 and 1/);
    });
});
