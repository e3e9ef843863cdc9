import { strict as assert } from "assert";
import { SamplePair, decideByComparison, mannWhitneyJudge, thresholdJudge } from "./judge";
import { VersionHealth } from "./decision";

const settings = { alpha: 0.05, minSamples: 10, minEffect: 0.7, latencyTolerance: 0.2, errorRatioTolerance: 0.01 };
const health: VersionHealth = { version: "v2", requests: 500, errorRatio: 0.01, p95LatencySeconds: 0.03 };
// Ten intervals each: stable's mean latency near 20 ms, a candidate's near 20 ms or near 70 ms. The slow
// candidate's p-value (8.5e-5) is scipy's mannwhitneyu(slow, stable, alternative="greater", method="asymptotic"),
// unchanged with stable's +20% tolerance (scaling keeps the ranks and ties).
const stableLatency = [0.019, 0.021, 0.02, 0.022, 0.018, 0.02, 0.021, 0.019, 0.02, 0.022];
const sameLatency = [0.02, 0.019, 0.022, 0.018, 0.021, 0.02, 0.019, 0.023, 0.02, 0.021];
const slowLatency = [0.07, 0.068, 0.072, 0.069, 0.071, 0.07, 0.073, 0.067, 0.07, 0.071];
const zeros = Array(10).fill(0);
const pair = (candidate: { errorRatio: number[]; meanLatencySeconds: number[] }, stable = { errorRatio: zeros, meanLatencySeconds: stableLatency }): SamplePair => ({
    candidate: { version: "v2", samples: candidate },
    stable: { version: "v1", samples: stable },
});

describe("lab rollout: the judges", () => {
    it("mann-whitney promotes a candidate no worse than stable, saying the figures", () => {
        const v = decideByComparison(pair({ errorRatio: zeros, meanLatencySeconds: sameLatency }), settings, true);
        assert.equal(v.action, "promote");
        assert.equal(v.reasons.length, 2);
        // Every candidate interval at 0 errors against stable's 0 plus one point: lower in every pair.
        assert.equal(
            v.reasons[0],
            "error ratio of v2 against v1: U 0 of 100 pairs (effect 0.00), p 1.0000 over 10 + 10 samples (medians 0.00%, 0.00%), stable's +1.0 points, measure.comparison.errorRatioTolerance",
        );
        assert.match(v.reasons[1], /^mean latency of v2 against v1: U \d+(\.5)? of 100 pairs \(effect 0\.\d\d\), p 0\.\d{4} over 10 \+ 10 samples \(medians 20\.\d ms, 20\.\d ms\), stable's \+20%, measure\.comparison\.latencyTolerance$/);
    });

    it("mann-whitney rolls back a candidate slower in every interval (U 100 of 100), with the statistic, p and effect", () => {
        const v = decideByComparison(pair({ errorRatio: zeros, meanLatencySeconds: slowLatency }), settings, true);
        assert.equal(v.action, "rollback");
        assert.deepEqual(v.reasons, [
            "mean latency of v2 against v1: U 100 of 100 pairs (effect 1.00), p 8.5e-5 over 10 + 10 samples (medians 70.0 ms, 20.0 ms), stable's +20%, measure.comparison.latencyTolerance: " +
                "worse (p < 0.05, measure.comparison.alpha; effect >= 0.7, measure.comparison.minEffect)",
        ]);
    });

    it("mann-whitney stops a candidate whose errors stable does not have, and passes one whose errors stable shares", () => {
        const someErrors = [0, 0.02, 0.05, 0.01, 0.04, 0, 0.03, 0.06, 0.02, 0.05];
        assert.equal(decideByComparison(pair({ errorRatio: someErrors, meanLatencySeconds: sameLatency }), settings, true).action, "rollback");
        // The same errors on both sides: the candidate is not what is wrong (the threshold judge would stop it at 5%).
        const shared = decideByComparison(pair({ errorRatio: someErrors, meanLatencySeconds: sameLatency }, { errorRatio: [...someErrors].reverse(), meanLatencySeconds: stableLatency }), settings, true);
        assert.equal(shared.action, "promote", JSON.stringify(shared.reasons));
    });

    it("mann-whitney waits until the step's time is up, and rolls back on too few samples then", () => {
        assert.equal(decideByComparison(pair({ errorRatio: zeros, meanLatencySeconds: slowLatency }), settings, false).action, "wait");
        const few = decideByComparison(pair({ errorRatio: [0, 0, 0], meanLatencySeconds: [0.02, 0.02, 0.02] }), settings, true);
        assert.deepEqual(few, {
            action: "rollback",
            reasons: ["too few samples to compare (v2 3); at least 10 per version needed (measure.comparison.minSamples): nothing shows the candidate is healthy"],
        });
    });

    it("the judges as the loop calls them: the threshold judge decides on every look, mann-whitney reads samples only at the end", async () => {
        const t = thresholdJudge(async () => ({ ...health, errorRatio: 0.3 }), { errorRatio: 0.05, p95LatencySeconds: 0.5, minRequests: 50 });
        assert.equal((await t(10, false)).verdict.action, "rollback");
        let reads = 0;
        const m = mannWhitneyJudge(async () => (reads++, pair({ errorRatio: zeros, meanLatencySeconds: slowLatency })), async () => health, settings);
        const early = await m(10, false);
        assert.deepEqual([early.verdict.action, early.health, reads], ["wait", health, 0]);
        assert.deepEqual([(await m(60, true)).verdict.action, reads], ["rollback", 1]);
    });
});
