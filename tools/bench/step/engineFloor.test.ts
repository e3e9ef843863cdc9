import { strict as assert } from "assert";
import { floorAgainstHand } from "./engineFloor";

describe("the step benchmark's floor against kubectl", () => {
    it("divides the empty program's up by each change's kubectl return", () => {
        const lines = floorAgainstHand(0.4, [
            { name: "canary-traefik", hand: { returnS: 0.05 } },
            { name: "canary-native", hand: { returnS: 0.8 } },
            { name: "never-returned", hand: { returnS: null } },
        ]);
        assert.deepEqual(lines, [
            "the engine's floor against kubectl: an empty program's no-change up (0.40 s by the lab's up) / kubectl's return: canary-traefik 8.00x, canary-native 0.50x, never-returned -" +
                " (above 1.5x, no update through the engine comes within 1.5x of kubectl for that change)",
        ]);
    });
});
