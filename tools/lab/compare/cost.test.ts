import { strict as assert } from "assert";
import { integrate, replicaFigures, resourceCost, sumSeries } from "./cost";


describe("lab: cost model", () => {
    it("integrates a series by trapezoids", () => {
        assert.equal(integrate([]), 0);
        assert.equal(integrate([{ t: 0, value: 5 }]), 0);
        assert.equal(integrate([{ t: 0, value: 2 }, { t: 10, value: 2 }]), 20);
        assert.equal(integrate([{ t: 10, value: 4 }, { t: 0, value: 0 }, { t: 20, value: 4 }]), 20 + 40, "sorted first");
    });

    it("peak replicas and replica-seconds above the stable release's own copies", () => {
        // 3 copies, 6 for 10 s (blue/green: both colours), back to 3.
        const total = [0, 5, 10, 15, 20, 25].map((t) => ({ t, value: t >= 5 && t <= 15 ? 6 : 3 }));
        const f = replicaFigures(total, 3);
        assert.equal(f.peak, 6);
        assert.equal(f.extraReplicaSeconds, 1.5 * 5 + 3 * 10 + 1.5 * 5);
        assert.deepEqual(replicaFigures([{ t: 0, value: 2 }, { t: 10, value: 2 }], 3), { peak: 2, extraReplicaSeconds: 0 }, "copies below the baseline are not credited");
        assert.deepEqual(replicaFigures([], 3), { peak: null, extraReplicaSeconds: 0 });
    });

    it("prices CPU core-hours and GB-hours", () => {
        const hour = [{ t: 0, value: 0 }, { t: 3600, value: 0 }];
        const cpu = hour.map((p) => ({ ...p, value: 2 })); // 2 cores for an hour
        const mem = hour.map((p) => ({ ...p, value: 4 * 1024 ** 3 })); // 4 GiB for an hour
        const c = resourceCost(cpu, mem, { cpuHour: 0.04, gbHour: 0.005, currency: "EUR" });
        assert.equal(c.cpuCoreSeconds, 7200);
        assert.equal(c.memoryGbSeconds, 4 * 3600);
        assert.ok(Math.abs(c.cpuCost - 0.08) < 1e-12 && Math.abs(c.memoryCost - 0.02) < 1e-12 && Math.abs(c.total - 0.1) < 1e-12, JSON.stringify(c));
        assert.equal(c.currency, "EUR");
        assert.throws(() => resourceCost(cpu, mem, { cpuHour: -1, gbHour: 0, currency: "USD" }), /measure\.pricing\.cpuHour: got -1; allowed: a price of 0 or more/);
    });

    it("adds per-version series on their common timestamps", () => {
        assert.deepEqual(sumSeries([[{ t: 0, value: 1 }, { t: 5, value: 2 }], [{ t: 5, value: 3 }, { t: 10, value: 1 }]]), [
            { t: 0, value: 1 },
            { t: 5, value: 5 },
            { t: 10, value: 1 },
        ]);
    });
});

