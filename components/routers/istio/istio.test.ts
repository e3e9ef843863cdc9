import { strict as assert } from "assert";
import { istioHttpRouteRules } from "./istioHttpRoute";
import { virtualServiceHttp } from "./istioRoutes";
import { plans } from "../../../test/support/routerPlans";

const dest = (subset: string) => ({ host: "demo-app.lab.svc.cluster.local", subset, port: { number: 80 } });
const cookie = "^(.*;\\s*)?beta=always(;.*)?$";

describe("Istio: the plan rendered", () => {
    it("Istio: subset weights, header and cookie matches, a mirror with its percentage", () => {
        assert.deepEqual(virtualServiceHttp(plans["switch to green"]("weight"), "lab"), [{ name: "split", route: [{ destination: dest("stable"), weight: 0 }, { destination: dest("candidate"), weight: 100 }] }]);
        assert.deepEqual(virtualServiceHttp(plans["match header or cookie"]("weight"), "lab"), [
            { name: "ab-candidate", match: [{ headers: { "x-group": { exact: "beta" } } }, { headers: { cookie: { regex: cookie } } }], route: [{ destination: dest("candidate") }] },
            { name: "ab-stable", route: [{ destination: dest("stable") }] },
        ]);
        assert.deepEqual(virtualServiceHttp(plans["mirror 40"]("weight"), "lab"), [{ name: "shadow", route: [{ destination: dest("stable") }], mirror: dest("candidate"), mirrorPercentage: { value: 40 } }]);
    });
    it("Istio by HTTPRoute: Service weights, header and cookie matches unanchored, a RequestMirror filter with the percent", () => {
        assert.deepEqual(istioHttpRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(istioHttpRouteRules(plans["match header regex"]("weight")), [
            { matches: [{ headers: [{ type: "RegularExpression", name: "User-Agent", value: ".*Firefox.*" }] }], backendRefs: [{ name: "demo-canary", port: 80 }] },
            { backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
        assert.deepEqual(istioHttpRouteRules(plans["mirror 40"]("weight")), [
            { filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "demo-canary", port: 80 }, percent: 40 } }], backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
    });
});
