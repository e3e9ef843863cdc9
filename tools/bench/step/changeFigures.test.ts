import { strict as assert } from "assert";
import { ProbeRecord } from "../../probe/summary";
import { changeFigures, median } from "./changeFigures";

/** 100 requests a second from 0 to `untilS`, answered after 5 ms by whatever `version(t)` says. */
function records(untilS: number, version: (tMs: number) => string | undefined): ProbeRecord[] {
    const out: ProbeRecord[] = [];
    for (let t = 0; t < untilS * 1000; t += 10) {
        const v = version(t);
        out.push(v === undefined ? { sentAtMs: t, latencyMs: 2000, error: "timeout" } : { sentAtMs: t, latencyMs: 5, version: v });
    }
    return out;
}

describe("the step benchmark's figures of one change", () => {
    it("a blue/green switch: the first new answer, the last old one, the return, the failures", () => {
        // Command at 10 s; v2 from 11.5 s, mixed until 12 s (every other request), only v2 from 12 s; two timeouts at 11.0 s.
        const recs = records(20, (t) => (t === 11000 || t === 11010 ? undefined : t < 11500 ? "v1" : t < 12000 ? (t % 20 === 0 ? "v2" : "v1") : "v2"));
        const f = changeFigures(recs, { commandAtMs: 10000, returnedAtMs: 13250, fromShare: 0, toShare: 100, candidate: "v2" });
        assert.deepEqual(f, { firstNewS: 1.505, holdsS: 1.99, returnS: 3.25, requests: 1000, failed: 2 });
    });

    it("a weight step 10 -> 50: the first window nearer 50 than 10, and the first from which every window is within 15 points", () => {
        // 10% v2 until 12 s, 25% from 12 to 13 s (nearer 10), 35% from 13 to 14 s (nearer 50, but 15 points off), 50% after.
        const at = (t: number, pct: number) => ((t / 10) % 100 < pct ? "v2" : "v1");
        const recs = records(25, (t) => at(t, t < 12000 ? 10 : t < 13000 ? 25 : t < 14000 ? 34 : 50));
        const f = changeFigures(recs, { commandAtMs: 10000, returnedAtMs: 15000, fromShare: 10, toShare: 50, candidate: "v2" });
        assert.equal(f.firstNewS, 4, "the window 13-14 s (34%) is the first nearer 50 (16 points) than 10 (24): it ends at 14 s");
        assert.equal(f.holdsS, 4, "34% is 16 points from 50: the split holds from 14 s");
        assert.equal(f.returnS, 5);
        assert.equal(f.failed, 0);
    });

    it("a split that never settles holds nowhere; a switch back to stable counts stable's answers as new", () => {
        const flapping = records(20, (t) => (Math.floor(t / 1000) % 2 === 0 ? ((t / 10) % 100 < 50 ? "v2" : "v1") : "v1"));
        assert.equal(changeFigures(flapping, { commandAtMs: 10000, returnedAtMs: 11000, fromShare: 10, toShare: 50, candidate: "v2" }).holdsS, null);
        const back = records(20, (t) => (t < 10500 ? "v2" : "v1"));
        const f = changeFigures(back, { commandAtMs: 10000, returnedAtMs: 12000, fromShare: 100, toShare: 0, candidate: "v2" });
        assert.equal(f.firstNewS, 0.505);
        assert.equal(f.holdsS, 0.49);
    });

    it("median", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 2, 3]), 2.5);
        assert.equal(median([]), null);
    });
});
