import { strict as assert } from "assert";
import { dynamicConfig, traefikRouteRules } from "./traefikRoutes";
import * as YAML from "yaml";
import { plans } from "../../../test/support/routerPlans";

const cookie = "^(.*;\\s*)?beta=always(;.*)?$";

describe("Traefik: the plan rendered", () => {
    it("Traefik: HTTPRoute weights, matches with the regex anchored to the whole value, and shadow through its mirroring service", () => {
        assert.deepEqual(traefikRouteRules(plans["switch to green"]("weight")), [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 0 }, { name: "demo-green", port: 80, weight: 100 }] }]);
        assert.deepEqual(traefikRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(traefikRouteRules(plans["match header or cookie"]("weight"))[0].matches, [
            { headers: [{ type: "Exact", name: "X-Group", value: "beta" }] },
            { headers: [{ type: "RegularExpression", name: "Cookie", value: cookie }] },
        ]);
        // Traefik's HeaderRegexp finds the expression anywhere in the value; the lab's regex must match all of it.
        assert.deepEqual(traefikRouteRules(plans["match header regex"]("weight"))[0].matches, [
            { headers: [{ type: "RegularExpression", name: "User-Agent", value: "^(?:.*Firefox.*)$" }] },
        ]);
        assert.deepEqual(traefikRouteRules(plans["mirror 40"]("weight")), [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "lab-shadow@file" }] }]);
        assert.deepEqual(YAML.parse(dynamicConfig(plans["mirror 40"]("weight"), "lab")).http.services["lab-shadow"], {
            mirroring: { service: "lab-stable", mirrorBody: true, mirrors: [{ name: "lab-candidate", percent: 40 }] },
        });
        // Not shadow: the service waits, copying nothing, so a switch to shadow never meets a missing service.
        assert.deepEqual(YAML.parse(dynamicConfig(plans["split 30"]("weight"), "lab")).http.services["lab-shadow"].mirroring.mirrors, [{ name: "lab-candidate", percent: 0 }]);
        assert.equal(YAML.parse(dynamicConfig(plans["single, candidate live"]("weight"), "lab")), null, "one release: an empty document");
        assert.deepEqual(traefikRouteRules(plans["single, candidate live"]("weight")), [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
    });
});
