import { strict as assert } from "assert";
import * as os from "os";
import { lockedStackMessage } from "./engine";

// The engine's lock error turned into what to do (the real lock: test/engine/locks.test.ts).

const lockError = (host: string) =>
    new Error(
        "Command failed with exit code 1: pulumi up --yes\nerror: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
            `  file:///home/me/lab/.pulumi/locks/organization/rollout-lab/kind-canary/2d1d1f84.json?no_tmp_dir=true: created by me@${host} (pid 3769) at 2026-12-05T00:31:58Z\n`,
    );

describe("engine: a locked stack", () => {
    it("held by a running process on this machine: wait", () => {
        assert.equal(
            lockedStackMessage(lockError(os.hostname()), () => true),
            `another update of this stack holds its lock: pid 3769 (me@${os.hostname()}), since 2026-12-05T00:31:58Z, still running; nothing was changed: wait for it to end`,
        );
    });

    it("held by a process that no longer runs: the lock is stale, remove its file", () => {
        assert.equal(
            lockedStackMessage(lockError(os.hostname()), () => false),
            `another update of this stack holds its lock: pid 3769 (me@${os.hostname()}), since 2026-12-05T00:31:58Z, no longer running: the lock is stale (an update that was killed); nothing was changed: remove the lock file and run the command again: rm /home/me/lab/.pulumi/locks/organization/rollout-lab/kind-canary/2d1d1f84.json`,
        );
    });

    it("held from another machine: cannot tell, says which file; any other error is not a lock", () => {
        assert.match(lockedStackMessage(lockError("build-7"), () => false)!, /on build-7: cannot tell whether it runs; nothing was changed: wait for it to end, or, if it does not run, remove \/home\/me\/lab\/\.pulumi\/locks\/.*2d1d1f84\.json$/);
        assert.equal(lockedStackMessage(new Error("error: update failed")), undefined);
    });
});
