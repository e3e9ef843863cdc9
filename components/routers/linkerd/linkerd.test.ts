import { strict as assert } from "assert";
import { httpRouteRules } from "./httpRoute";
import { plans } from "../../../test/support/routerPlans";

const cookie = "^(.*;\\s*)?beta=always(;.*)?$";

describe("Linkerd: the plan rendered", () => {
    it("Linkerd: HTTPRoute weights 0/100 for a switch, 70/30 for a split, header and Cookie-header matches", () => {
        assert.deepEqual(httpRouteRules(plans["switch to green"]("weight")), [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 0 }, { name: "demo-green", port: 80, weight: 100 }] }]);
        assert.deepEqual(httpRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(httpRouteRules(plans["match header or cookie"]("weight")), [
            {
                matches: [{ headers: [{ type: "Exact", name: "X-Group", value: "beta" }] }, { headers: [{ type: "RegularExpression", name: "Cookie", value: cookie }] }],
                backendRefs: [{ name: "demo-canary", port: 80 }],
            },
            { backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
        assert.deepEqual(httpRouteRules(plans["single, candidate live"]("weight")), [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
        assert.throws(() => httpRouteRules(plans["mirror 40"]("weight")), /routing "mirror" cannot run on Linkerd/);
    });
});
