import { strict as assert } from "assert";
import { nativeSelector } from ".";
import { plans } from "../../../test/support/routerPlans";

describe("native: the plan rendered", () => {
    it("native: the Service selects the active colour for a switch, every app pod otherwise", () => {
        assert.deepEqual(nativeSelector(plans["switch to green"]("replicas")), { "app.kubernetes.io/name": "demo-app", "rollout-lab/color": "green" });
        assert.deepEqual(nativeSelector(plans["split 30"]("replicas")), { "app.kubernetes.io/name": "demo-app" });
        assert.deepEqual(plans["split 30"]("replicas").releases.map((r) => [r.name, r.replicas]), [["demo-stable", 7], ["demo-canary", 3]]);
    });
});
