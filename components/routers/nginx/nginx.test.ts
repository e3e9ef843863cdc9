import { strict as assert } from "assert";
import { canaryAnnotations, nginxIngressSpecs } from "./nginxIngress";
import { plans } from "../../../test/support/routerPlans";

const nginx = (k: string) => `nginx.ingress.kubernetes.io/${k}`;

describe("ingress-nginx: the plan rendered", () => {
    it("ingress-nginx: a canary Ingress with the weight (100 for a switch), or the header and cookie rules; a mirror on the stable Ingress", () => {
        assert.deepEqual(canaryAnnotations(plans["switch to green"]("weight")), { [nginx("canary")]: "true", [nginx("canary-weight")]: "100", [nginx("canary-weight-total")]: "100" });
        assert.deepEqual(canaryAnnotations(plans["split 30"]("weight")), { [nginx("canary")]: "true", [nginx("canary-weight")]: "30", [nginx("canary-weight-total")]: "100" });
        assert.deepEqual(canaryAnnotations(plans["match header or cookie"]("weight")), {
            [nginx("canary")]: "true",
            [nginx("canary-by-header")]: "X-Group",
            [nginx("canary-by-header-value")]: "beta",
            [nginx("canary-by-cookie")]: "beta",
        });
        const mirror = nginxIngressSpecs(plans["mirror 40"]("weight"), "lab");
        assert.deepEqual(mirror.map((i) => [i.name, (i.spec.metadata as { annotations: Record<string, string> }).annotations]), [
            ["demo-app", { [nginx("mirror-target")]: "http://demo-canary.lab.svc.cluster.local$request_uri", [nginx("mirror-request-body")]: "on" }],
        ]);
        assert.deepEqual(nginxIngressSpecs(plans["single, candidate live"]("weight"), "lab").map((i) => i.name), ["demo-app"]);
    });
});
