import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { assertNoOldCrdFiles, localBackendDir } from "../program/crdState";

// `pulumi up` of a stack whose local state still holds the CRD files as ConfigFile resources is refused
// before anything is registered (index.ts); a state in the new shape, or none, goes ahead.
describe("crdState: pulumi up refuses a stack whose state would lose its CRDs", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "crd-state-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: rollout-lab\nruntime: nodejs\nbackend:\n  url: file://./.pulumi\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const checkpoint = (backend: string, stack: string, text: string, gz = false) => {
        const folder = path.join(backend, ".pulumi", "stacks", "rollout-lab");
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, `${stack}.json${gz ? ".gz" : ""}`), gz ? zlib.gzipSync(text) : text);
    };
    const oldShape = '{"checkpoint": {"latest": {"resources": [{"urn": "urn:pulumi:s::rollout-lab::rollout-lab:routers:TraefikProxy$kubernetes:yaml:ConfigFile::lab-traefik-gateway-api", "type": "kubernetes:yaml:ConfigFile"}]}}}';
    const newShape = '{"checkpoint": {"latest": {"resources": [{"urn": "urn:pulumi:s::rollout-lab::rollout-lab:routers:TraefikProxy$pulumi-nodejs:dynamic/rollout-lab:CrdBundle::lab-traefik-gateway-api", "type": "pulumi-nodejs:dynamic/rollout-lab:CrdBundle"}]}}}';

    it("refuses naming the stack, what would be lost and `lab up` as the way on (plain and gzipped checkpoints)", () => {
        checkpoint(path.join(dir, ".pulumi"), "kind-canary-traefik", oldShape);
        assert.throws(
            () => assertNoOldCrdFiles("rollout-lab", "kind-canary-traefik", dir, {}),
            /^Error: stack kind-canary-traefik: its state holds the CRD files as kubernetes:yaml:ConfigFile resources .* would delete those CRDs, and every Gateway and route, from the cluster\. Nothing was changed\. Run `npx lab up kind-canary-traefik` once/,
        );
        checkpoint(path.join(dir, ".pulumi"), "gz", oldShape, true);
        assert.throws(() => assertNoOldCrdFiles("rollout-lab", "gz", dir, {}), /stack gz: its state holds/);
    });

    it("goes ahead on a state in the new shape, a stack with no state, or a backend that is not a local folder", () => {
        checkpoint(path.join(dir, ".pulumi"), "kind-canary-traefik", newShape);
        assertNoOldCrdFiles("rollout-lab", "kind-canary-traefik", dir, {});
        assertNoOldCrdFiles("rollout-lab", "never-up", dir, {});
        checkpoint(path.join(dir, ".pulumi"), "old", oldShape);
        assertNoOldCrdFiles("rollout-lab", "old", dir, { PULUMI_BACKEND_URL: "https://api.example.invalid" });
    });

    it("reads the backend from PULUMI_BACKEND_URL before Pulumi.yaml, relative to the project folder", () => {
        assert.equal(localBackendDir(dir, {}), path.join(dir, ".pulumi"));
        assert.equal(localBackendDir(dir, { PULUMI_BACKEND_URL: "file:///srv/state" }), "/srv/state");
        assert.equal(localBackendDir(path.join(dir, "none"), {}), undefined);
    });
});
