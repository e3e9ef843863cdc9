import { strict as assert } from "assert";
import { routingStateFor } from "./haproxyConfig";
import { haproxyEdgeFiles } from ".";
import { plans } from "../../../test/support/routerPlans";


describe("HAProxy: the plan rendered", () => {
    it("HAProxy: the candidate's percent in the routing map (100 for a switch), the header value in the A/B map, a cookie rule in the frontend", () => {
        assert.deepEqual(routingStateFor(plans["switch to green"]("weight").routing), { candidatePercent: 100 });
        assert.deepEqual(routingStateFor(plans["split 30"]("weight").routing), { candidatePercent: 30 });
        assert.deepEqual(routingStateFor(plans["match header or cookie"]("weight").routing), { matchValues: ["beta"] });
        assert.deepEqual(routingStateFor(plans["single, candidate live"]("weight").routing), {});
        const backends = [
            { role: "stable" as const, serviceName: "lab-demo-stable", replicas: 3 },
            { role: "candidate" as const, serviceName: "lab-demo-canary", replicas: 1 },
        ];
        const cfg = haproxyEdgeFiles({ plan: plans["match header or cookie"]("weight"), backends }).bootstrap.content;
        assert.ok(cfg.includes("    http-request set-var(txn.ab_match) req.hdr(X-Group),map_str_int(/var/lib/haproxy/state/ab.map,0)\n"));
        assert.ok(cfg.includes("    use_backend be_candidate if { req.cook(beta) -m str always }\n"), "the cookie rule is not dropped");
        assert.throws(() => haproxyEdgeFiles({ plan: plans["mirror 40"]("weight"), backends }), /runs behind the NGINX edge/);
    });
});
