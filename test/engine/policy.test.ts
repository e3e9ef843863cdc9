import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { labEnv } from "../../tools/lib/workspace";
import { parseEvents, policyPackDir } from "../../tools/ci/preview/previewStack";

// The policy pack under the real engine (CLI, nodejs language host, providers from scripts/toolchain.sh):
// `pulumi preview --policy-pack policy` of a program that breaks each rule once must fail, naming each
// rule on the resource written to break it, report the waived one and the canary step as advisory, and
// let the hardened resource pass. That the lab's own stacks pass the pack: CI's `preview` tier
// (npm run preview -- run --all).

const fixture = path.join(__dirname, "..", "fixtures", "policy-violations");

describe("the policy pack under the real engine", function () {
    this.timeout(5 * 60 * 1000);

    it("fails a preview of bad resources, each rule on its resource; waivers and canary steps are advisory", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-policy-"));
        try {
            fs.mkdirSync(path.join(dir, "state"));
            const project = { name: "policy-fixture", runtime: { name: "nodejs", options: { typescript: true, tsconfig: path.join(__dirname, "..", "..", "tsconfig.pulumi.json") } }, main: fixture, backend: { url: `file://${path.join(dir, "state")}` } };
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(project));
            fs.writeFileSync(
                path.join(dir, "Pulumi.fixture.yaml"),
                YAML.stringify({
                    config: {
                        "policy-fixture:renderDir": path.join(dir, "render"),
                        // Read by the pack from the stack's config: a canary weight between the steps (advisory),
                        // and a config value named like a secret but not set with --secret.
                        "rollout-lab:strategy": "canary",
                        "rollout-lab:canary": { weight: 30 },
                        "rollout-lab:apiToken": "plain-text",
                    },
                }),
            );
            const env = { ...process.env, ...labEnv(dir), PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
            const init = spawnSync("pulumi", ["stack", "init", "fixture", "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
            assert.equal(init.status, 0, init.stderr);
            const run = spawnSync("pulumi", ["preview", "--json", "--non-interactive", "--stack", "fixture", "--policy-pack", policyPackDir], { cwd: dir, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            const r = parseEvents("fixture", run.stdout.split("\n"));
            if (r.policy.length === 0) process.stdout.write(`${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}\n`);
            const found = r.policy.map((p) => `${p.level} ${p.policy} ${p.resource}`).sort();
            process.stdout.write(`        exit ${run.status}; findings:\n${r.policy.map((p) => `          ${p.level} ${p.policy} ${p.resource}: ${p.message}`).join("\n")}\n`);
            assert.notEqual(run.status, 0, "a mandatory violation fails the preview");
            assert.deepEqual(found, [
                "advisory canary-steps stack",
                "advisory waived waived-root",
                "mandatory container-probes no-probes",
                "mandatory container-resources no-limits",
                "mandatory no-plaintext-secret-config stack",
                "mandatory no-plaintext-secrets secret-in-configmap",
                "mandatory no-plaintext-secrets secret-in-env",
                "mandatory non-root as-root",
                "mandatory pinned-image latest-image",
                "mandatory ui-localhost kind-config",
                "mandatory ui-localhost open-ui",
            ]);
            assert.match(r.policy.find((p) => p.policy === "no-plaintext-secret-config")!.message, /rollout-lab:apiToken/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
