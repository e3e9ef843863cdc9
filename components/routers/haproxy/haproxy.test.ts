import { strict as assert } from "assert";
import { routingStateFor } from "./haproxyConfig";
import { haproxyEdgeFiles } from ".";
import { plans } from "../../../test/support/routerPlans";
import { parseLabConfig } from "../../labConfig";
import { labPlan } from "../../plan";

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

    it("HAProxy, canary.sticky: the user's bucket cookie, drawn once and set in the answer, decides; without sticky a draw per request", () => {
        const backends = [
            { role: "stable" as const, serviceName: "lab-demo-stable", replicas: 3 },
            { role: "candidate" as const, serviceName: "lab-demo-canary", replicas: 1 },
        ];
        const plan = (sticky: boolean) => labPlan(parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, canary: { weight: 30, sticky } }), "weight");
        const sticky = haproxyEdgeFiles({ plan: plan(true), backends }).bootstrap.content;
        for (const line of [
            "    http-request set-var(txn.bucket) req.cook_val(rollout_bucket) if { req.cook(rollout_bucket) -m reg ^[0-9]{1,2}$ }\n",
            "    http-request set-var(txn.new_bucket) rand(100) unless { var(txn.bucket) -m found }\n",
            "    acl to_candidate var(txn.bucket),sub(txn.candidate_percent) lt 0\n",
            '    http-response add-header Set-Cookie "rollout_bucket=%[var(txn.new_bucket)]; Path=/; Max-Age=2592000; SameSite=Lax" if { var(txn.new_bucket) -m found }\n',
        ]) {
            assert.ok(sticky.includes(line), line);
        }
        assert.ok(!sticky.includes("rand(100),sub"), "no draw per request");
        const plain = haproxyEdgeFiles({ plan: plan(false), backends }).bootstrap.content;
        assert.ok(plain.includes("    acl to_candidate rand(100),sub(txn.candidate_percent) lt 0\n") && !plain.includes("rollout_bucket"));
        // The weight still goes through the runtime API's map: a sticky step touches no process either.
        assert.deepEqual(routingStateFor(plan(true).routing), { candidatePercent: 30 });
    });
});
