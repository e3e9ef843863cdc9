import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { rolloutWaitScript } from "../components/local/swarmRolloutScript";

// The rollout wait's shell loop, run by sh against a stand-in `docker` that plays back what Swarm
// reports over successive calls (an update in progress, then its outcome).

interface Reported {
    /** UpdateStatus.State on each `service inspect` of the state, in order; the last one repeats. */
    states: string[];
    replicas: string;
    /** Running task lines per `service ps` call, in order; the last one repeats. */
    running: number[];
    message?: string;
}

function runWait(reported: Reported, timeoutS = 20): { status: number | null; stdout: string; stderr: string; calls: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-wait-"));
    const counter = path.join(dir, "n");
    fs.writeFileSync(counter, "0");
    // The n-th entry of a list (1-based, the last one repeating), n being the poll the loop is in.
    const pick = (list: (string | number)[], n: string) => `$(echo '${list.join(" ")}' | tr ' ' '\\n' | sed -n "$(( ${n} < ${list.length} ? ${n} : ${list.length} ))p")`;
    fs.writeFileSync(
        path.join(dir, "docker"),
        [
            "#!/bin/sh",
            `n=$(cat ${counter})`,
            'case "$*" in',
            `  *UpdateStatus.State*) n=$(( n + 1 )); echo $n > ${counter}; echo "${pick(reported.states, "n")}" ;;`,
            `  *Replicas*) echo "${reported.replicas}" ;;`,
            `  *UpdateStatus.Message*) echo "${reported.message ?? ""}" ;;`,
            `  "service ps"*) i=0; while [ $i -lt ${pick(reported.running, "n")} ]; do echo "Running 3 seconds ago"; i=$(( i + 1 )); done; echo "Preparing 1 second ago" ;;`,
            "esac",
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    const r = spawnSync("sh", ["-c", rolloutWaitScript("rollout-lab-demo-app", timeoutS)], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        timeout: (timeoutS + 10) * 1000,
    });
    const calls = Number(fs.readFileSync(counter, "utf8"));
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

describe("Swarm rollout wait (the shell loop after each Service)", function () {
    this.timeout(60_000);

    it("waits while Swarm is updating, and returns once the update is completed with every task running", () => {
        const r = runWait({ states: ["updating", "updating", "completed"], replicas: "4", running: [4] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "completed (4 running)");
        assert.equal(r.calls, 3, "two polls while updating, done at the third");
    });

    it("after a create (no update status) waits until as many tasks run as are wanted", () => {
        const r = runWait({ states: [""], replicas: "3", running: [1, 2, 3] });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "(3 running)");
        assert.equal(r.calls, 3);
    });

    it("fails, with Swarm's message, when Swarm rolled the update back", () => {
        const r = runWait({ states: ["updating", "rollback_completed"], replicas: "4", running: [4], message: "rollback completed: task unhealthy" });
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "rollout-lab-demo-app: update rollback_completed: rollback completed: task unhealthy");
    });

    it("fails when the update is paused (recreate's failureAction)", () => {
        const r = runWait({ states: ["paused"], replicas: "3", running: [0], message: "update paused due to failure" });
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "rollout-lab-demo-app: update paused: update paused due to failure");
    });

    it("gives up after its timeout, saying where the update stood", () => {
        const r = runWait({ states: ["updating"], replicas: "4", running: [2] }, 2);
        assert.equal(r.status, 1);
        assert.equal(r.stderr.trim(), "rollout-lab-demo-app: update not done after 2 s (state: updating, 2 of 4 running)");
    });
});
