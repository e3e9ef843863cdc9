import { strict as assert } from "assert";
import { outputsFromEvent } from "./quickUp";

describe("quickUp's outputs from an event", () => {
    it("a secret in its envelope, as the engine's events show a kubeconfig, is secret too", () => {
        const envelope = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" };
        assert.deepEqual(outputsFromEvent({ kubeconfig: envelope, entryUrl: "http://127.0.0.1:8080" }), {
            kubeconfig: { value: undefined, secret: true },
            entryUrl: { value: "http://127.0.0.1:8080", secret: false },
        });
    });

    it("keeps plain values and marks the engine's masked ones secret, without a value", () => {
        assert.deepEqual(outputsFromEvent({ entryUrl: "http://127.0.0.1:8080/", routing: { strategy: "canary" }, kubeconfig: "[secret]", n: 0 }), {
            entryUrl: { value: "http://127.0.0.1:8080/", secret: false },
            routing: { value: { strategy: "canary" }, secret: false },
            kubeconfig: { value: undefined, secret: true },
            n: { value: 0, secret: false },
        });
    });
});
