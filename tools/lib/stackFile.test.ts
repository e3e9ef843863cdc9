import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { balancesPerConnection, loadStackConfig, setStackFileValues } from "./stackFile";


describe("lab: how the probe connects", () => {
    it("opens a new connection per request where kube-proxy balances connections (native kind), not behind a proxy", () => {
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-rolling")), true);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-nginx")), false);
        assert.equal(balancesPerConnection(loadStackConfig("kind-canary-istio")), false);
        assert.equal(balancesPerConnection(loadStackConfig("swarm-canary")), false);
    });
});

describe("lab: setting a stack file's values in process (what pulumi config set --path writes)", () => {
    let dir: string;
    const file = () => path.join(dir, "Pulumi.demo.yaml");
    const original = [
        "# A canary through Traefik.",
        "# Step: raise canary.weight.",
        "config:",
        "  rollout-lab:strategy: canary # the strategy",
        "  rollout-lab:canary:",
        "    weight: 10",
        "  rollout-lab:kind:",
        "    loadImages:",
        "      - a:1",
        "  rollout-lab:token:",
        "    secure: v1:abc",
        "encryptionsalt: v1:salt",
        "",
    ].join("\n");

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-stackfile-"));
        fs.writeFileSync(file(), original);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("changes only the value: comments, order and the salt stay", () => {
        setStackFileValues(file(), { "rollout-lab:canary.weight": "50" });
        assert.equal(fs.readFileSync(file(), "utf8"), original.replace("weight: 10", "weight: 50"));
    });

    it("types values as the CLI does: whole numbers and true/false typed, anything else a string", () => {
        setStackFileValues(file(), {
            "rollout-lab:canary.sticky": "true",
            "rollout-lab:measure.alerts.errorRatio": "0.05",
            "rollout-lab:app.port": "08080",
            "rollout-lab:app.offset": "-5",
            "rollout-lab:candidate.version": "v2",
            "rollout-lab:kind.loadImages[1]": "b:2",
        });
        const config = (YAML.parse(fs.readFileSync(file(), "utf8")) as { config: Record<string, unknown> }).config;
        assert.deepEqual(config["rollout-lab:canary"], { weight: 10, sticky: true });
        assert.deepEqual(config["rollout-lab:measure"], { alerts: { errorRatio: "0.05" } });
        assert.deepEqual(config["rollout-lab:app"], { port: "08080", offset: -5 });
        assert.deepEqual(config["rollout-lab:candidate"], { version: "v2" });
        assert.deepEqual(config["rollout-lab:kind"], { loadImages: ["a:1", "b:2"] });
        assert.equal(config["rollout-lab:strategy"], "canary");
    });

    it("refuses a secret's key and leaves the file as it was", () => {
        assert.throws(() => setStackFileValues(file(), { "rollout-lab:canary.weight": "20", "rollout-lab:token": "x" }), /rollout-lab:token is a secret in the stack file; set it with pulumi config set --secret/);
        assert.equal(fs.readFileSync(file(), "utf8"), original);
    });

    it("makes the file where there is none, and refuses one that is not YAML, unchanged", () => {
        fs.rmSync(file());
        setStackFileValues(file(), { "rollout-lab:canary.weight": "25" });
        assert.deepEqual(YAML.parse(fs.readFileSync(file(), "utf8")), { config: { "rollout-lab:canary": { weight: 25 } } });
        fs.writeFileSync(file(), "config: [unclosed\n");
        assert.throws(() => setStackFileValues(file(), { "rollout-lab:canary.weight": "25" }), /not valid YAML/);
        assert.equal(fs.readFileSync(file(), "utf8"), "config: [unclosed\n");
    });
});
