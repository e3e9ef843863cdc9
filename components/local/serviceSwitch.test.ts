import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EndpointSliceList, assertKubectl, strayEndpoints } from "./serviceSwitch";

const pod = (name: string, ready: boolean | null = true) => ({ conditions: { ready }, targetRef: { kind: "Pod", name } });

describe("ServiceSwitch: when a selector switch has landed", () => {
    const green = new Set(["demo-green-a", "demo-green-b"]);

    it("lands when every ready endpoint is a selected pod, over several slices", () => {
        const slices: EndpointSliceList = { items: [{ endpoints: [pod("demo-green-a")] }, { endpoints: [pod("demo-green-b"), pod("demo-blue-a", false)] }] };
        assert.deepEqual(strayEndpoints(slices, green), []);
    });

    it("names the ready pods the selector no longer selects", () => {
        const slices: EndpointSliceList = { items: [{ endpoints: [pod("demo-green-a"), pod("demo-blue-a"), pod("demo-blue-b", null)] }] };
        assert.deepEqual(strayEndpoints(slices, green), ["demo-blue-a", "demo-blue-b"]);
    });

    it("has not landed while no endpoint is ready (a Service with nothing behind it is not a switch done)", () => {
        assert.equal(strayEndpoints({ items: [] }, green), null);
        assert.equal(strayEndpoints({ items: [{ endpoints: null }, { endpoints: [pod("demo-green-a", false)] }] }, green), null);
    });

    it("counts an address that is not a pod as stray", () => {
        assert.deepEqual(strayEndpoints({ items: [{ endpoints: [{ conditions: { ready: true } }] }] }, green), ["address"]);
    });
});

describe("ServiceSwitch: kubectl on PATH", () => {
    it("finds an executable kubectl in any PATH folder, and refuses naming kubectl and why when there is none", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switch-kubectl-"));
        try {
            assert.throws(() => assertKubectl("the test's reason", { PATH: dir }), /^Error: kubectl is not on PATH: the test's reason\. Nothing was changed\. Install kubectl/);
            fs.writeFileSync(path.join(dir, "kubectl"), "#!/bin/sh\n", { mode: 0o644 });
            assert.throws(() => assertKubectl("not executable", { PATH: dir }), /kubectl is not on PATH/);
            fs.chmodSync(path.join(dir, "kubectl"), 0o755);
            assertKubectl("found", { PATH: `/nonexistent${path.delimiter}${dir}` });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
