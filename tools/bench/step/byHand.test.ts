import { strict as assert } from "assert";
import { handPatches } from "./byHand";

describe("the step benchmark's hand method", () => {
    it("a replica-ratio step scales the candidate up before stable down; unchanged objects are left alone", () => {
        const before = { "deployment/demo-stable": 9, "deployment/demo-canary": 1, "service/demo-app": { app: "demo" } };
        const after = { "deployment/demo-stable": 5, "deployment/demo-canary": 5, "service/demo-app": { app: "demo" } };
        assert.deepEqual(handPatches(before, after), [
            { args: ["scale", "deployment/demo-canary", "--replicas=5"], grows: true },
            { args: ["scale", "deployment/demo-stable", "--replicas=5"], grows: false },
        ]);
    });

    it("a blue/green switch patches the Service's selector; a route's weights its rules", () => {
        const rules = (blue: number) => [{ backendRefs: [{ name: "demo-blue", port: 80, weight: blue }, { name: "demo-green", port: 80, weight: 100 - blue }] }];
        const patches = handPatches(
            { "service/demo-app": { color: "blue" }, "httproute/demo": rules(100) },
            { "service/demo-app": { color: "green" }, "httproute/demo": rules(0) },
        );
        assert.deepEqual(patches.map((p) => p.args), [
            ["patch", "service/demo-app", "--type=json", "-p", '[{"op":"replace","path":"/spec/selector","value":{"color":"green"}}]'],
            ["patch", "httproute/demo", "--type=json", "-p", '[{"op":"replace","path":"/spec/rules","value":[{"backendRefs":[{"name":"demo-blue","port":80,"weight":0},{"name":"demo-green","port":80,"weight":100}]}]}]'],
        ]);
    });
});
