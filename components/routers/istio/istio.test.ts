import { strict as assert } from "assert";
import { istioHttpRouteRules } from "./istioHttpRoute";
import { virtualServiceHttp, virtualServiceObject } from "./istioRoutes";
import { plans } from "../../../test/support/routerPlans";
import { parseLabConfig } from "../../labConfig";
import { labPlan } from "../../plan";
import { validateKubernetesObject } from "../../../test/support/kubernetesSchema";

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

    const sticky = (weight: number) => virtualServiceHttp(labPlan(parseLabConfig({ traffic: "istio", strategy: "canary", candidate: { version: "v2" }, canary: { weight, sticky: true } }), "weight"), "rollout-lab");
    const host = "demo-app.rollout-lab.svc.cluster.local";

    it("Istio, canary.sticky: a user's bucket cookie picks the version; a new user gets one of 100 destinations, each setting its bucket", () => {
        const routes = sticky(30) as { name: string; match?: { headers: { cookie: { regex: string } } }[]; route: Record<string, any>[] }[];
        assert.deepEqual(routes.map((r) => r.name), ["sticky-candidate", "sticky-stable", "sticky-new-user"]);
        assert.deepEqual(routes[0].route, [{ destination: { host, subset: "candidate", port: { number: 80 } } }]);
        assert.deepEqual(routes[1].route, [{ destination: { host, subset: "stable", port: { number: 80 } } }]);
        // The cookie expressions, tried as Envoy would (the whole Cookie header must match).
        const toCandidate = new RegExp(routes[0].match![0].headers.cookie.regex);
        const toStable = new RegExp(routes[1].match![0].headers.cookie.regex);
        for (const [header, candidate, stable] of [
            ["rollout_bucket=0", true, false],
            ["rollout_bucket=29", true, false],
            ["a=1; rollout_bucket=7; b=2", true, false],
            ["rollout_bucket=30", false, true],
            ["x=y;rollout_bucket=99", false, true],
            ["rollout_bucket=100", false, false],
            ["rollout_bucket=07", false, false],
            ["xrollout_bucket=3", false, false],
            ["rollout_bucket=abc", false, false],
        ] as const) {
            assert.equal(toCandidate.test(header), candidate, `candidate: ${header}`);
            assert.equal(toStable.test(header), stable, `stable: ${header}`);
        }
        const newUser = routes[2].route;
        assert.equal(newUser.length, 100);
        assert.equal(newUser.reduce((a, d) => a + d.weight, 0), 100, "Istio's weights add up to 100");
        assert.deepEqual(newUser[29], { destination: { host, subset: "candidate", port: { number: 80 } }, weight: 1, headers: { response: { add: { "Set-Cookie": "rollout_bucket=29; Path=/; Max-Age=2592000; SameSite=Lax" } } } });
        assert.deepEqual(newUser[30], { destination: { host, subset: "stable", port: { number: 80 } }, weight: 1, headers: { response: { add: { "Set-Cookie": "rollout_bucket=30; Path=/; Max-Age=2592000; SameSite=Lax" } } } });
        assert.equal(newUser.filter((d) => d.destination.subset === "candidate").length, 30);
        // Weight 0: no route to the candidate, every new bucket to stable; weight 100: no route to stable.
        assert.deepEqual(sticky(0).map((r) => r.name), ["sticky-stable", "sticky-new-user"]);
        assert.ok((sticky(0)[1].route as Record<string, any>[]).every((d) => d.destination.subset === "stable"));
        assert.deepEqual(sticky(100).map((r) => r.name), ["sticky-candidate", "sticky-new-user"]);
    });

    it("Istio, canary.sticky: the VirtualService passes the schema of Istio's CRD (@kubernetes-models/istio); a wrong one does not", async () => {
        const plan = labPlan(parseLabConfig({ traffic: "istio", strategy: "canary", candidate: { version: "v2" }, canary: { weight: 30, sticky: true } }), "weight");
        const token = "kubernetes:networking.istio.io/v1:VirtualService";
        const vs = virtualServiceObject(plan, "rollout-lab");
        assert.deepEqual(await validateKubernetesObject(token, vs), []);
        vs.spec.http[2].route[0].weight = "one";
        assert.notDeepEqual(await validateKubernetesObject(token, vs), [], "a weight that is no number is refused");
    });
});
