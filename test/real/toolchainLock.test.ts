import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// scripts/toolchain.sh takes one lock per cache: a second run (a second terminal, a lesson's setup while
// CI's build runs) waits for the first instead of building the same binaries beside it. Real flock(1),
// real bash; the lock is held by a separate process, and the waiting run is stopped before it builds.

const script = path.join(__dirname, "..", "..", "scripts", "toolchain.sh");
// PATH without an installed Pulumi CLI, which the script would take as the cached one.
const pathWithoutPulumi = (process.env.PATH ?? "").split(":").filter((d) => !fs.existsSync(path.join(d, "pulumi"))).join(":");

describe("scripts/toolchain.sh: one build at a time per cache", function () {
    this.timeout(30000);
    let cache = "";
    beforeEach(() => {
        cache = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-toolchain-lock-"));
        fs.mkdirSync(path.join(cache, "bin"), { recursive: true });
    });
    afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

    it("waits, saying so, while another run holds the cache's lock", async () => {
        const holder = spawn("flock", [path.join(cache, ".lock"), "sleep", "20"], { stdio: "ignore" });
        try {
            await new Promise((r) => setTimeout(r, 300));
            const waiter = spawn("bash", [script, "--print-path", "--only", "pulumi"], {
                env: { ...process.env, PATH: pathWithoutPulumi, ROLLOUT_LAB_TOOLCHAIN_DIR: cache },
                stdio: ["ignore", "pipe", "pipe"],
                detached: true,
            });
            let stderr = "";
            waiter.stderr.on("data", (d) => (stderr += d.toString()));
            const deadline = Date.now() + 10000;
            while (!stderr.includes("waiting for it to finish") && Date.now() < deadline && waiter.exitCode === null) {
                await new Promise((r) => setTimeout(r, 100));
            }
            const stillWaiting = waiter.exitCode === null;
            process.kill(-waiter.pid!, "SIGKILL");
            assert.match(stderr, new RegExp(`another scripts/toolchain.sh is working in ${cache}; waiting for it to finish`));
            assert.ok(stillWaiting, "it blocks while the lock is held");
            assert.doesNotMatch(stderr, /looking for it|go build/, "nothing is built while it waits");
        } finally {
            holder.kill("SIGKILL");
        }
    });

    it("--check builds nothing, so it does not wait", () => {
        const holder = spawn("flock", [path.join(cache, ".lock"), "sleep", "20"], { stdio: "ignore" });
        try {
            spawnSync("sleep", ["0.3"]);
            const r = spawnSync("bash", [script, "--check", "--only", "pulumi"], { env: { ...process.env, PATH: pathWithoutPulumi, ROLLOUT_LAB_TOOLCHAIN_DIR: cache }, encoding: "utf8", timeout: 15000 });
            assert.equal(r.status, 1, "an empty cache: not cached");
            assert.match(r.stderr, /NOT CACHED/);
            assert.doesNotMatch(r.stderr, /waiting/);
        } finally {
            holder.kill("SIGKILL");
        }
    });
});
