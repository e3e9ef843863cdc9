import { strict as assert } from "assert";
import { outputsFromEvent } from "./quickUp";

describe("quickUp's outputs from an event", () => {
    it("keeps plain values and marks the engine's masked ones secret, without a value", () => {
        assert.deepEqual(outputsFromEvent({ entryUrl: "http://127.0.0.1:8080/", routing: { strategy: "canary" }, kubeconfig: "[secret]", n: 0 }), {
            entryUrl: { value: "http://127.0.0.1:8080/", secret: false },
            routing: { value: { strategy: "canary" }, secret: false },
            kubeconfig: { value: undefined, secret: true },
            n: { value: 0, secret: false },
        });
    });
});
