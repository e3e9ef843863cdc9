import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensurePulumiCli, lockedStackMessage } from "../../tools/lib/engine";
import { LabStack, openLabStack } from "../../tools/lib/workspace";

// Two updates of one stack at once, and an update killed mid-way, under the real engine (kind-canary-traefik
// with canary.sticky in render mode: manifests written to a folder, no cluster; its first update waits 3 s
// in the sticky split's Pause, which holds it long enough for a second to meet the lock): the second update
// is refused by the stack's lock with nothing changed, and the lab says who holds the lock and what to do;
// a killed update's lock is named stale, and once its file is removed the next update runs.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("engine: one update of a stack at a time (real engine, render mode)", function () {
    this.timeout(300_000);
    let lab: LabStack;
    let dir: string;

    before(async () => {
        ensurePulumiCli();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-locks-"));
        const fixtures = path.join(__dirname, "..", "fixtures");
        lab = await openLabStack({
            stack: "kind-canary-traefik",
            config: {
                "rollout-lab:renderYamlTo": path.join(dir, "rendered"),
                "rollout-lab:monitoring.enabled": "false",
                "rollout-lab:canary.sticky": "true",
                "rollout-lab:gatewayApi.crds": path.join(fixtures, "gateway-api-crds.yaml"),
                "rollout-lab:traefik.crds": path.join(fixtures, "traefik-crds.yaml"),
            },
        });
    });

    after(() => {
        lab?.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const locks = () => {
        const root = path.join(lab.scratchDir, "state", ".pulumi", "locks");
        return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json")).map((f) => path.join(root, f)) : [];
    };

    it("a second update while one runs is refused, naming the running process; the first completes", async () => {
        // The second starts when the first begins its 3 s Pause: the first holds the lock all that time.
        let pausing: () => void = () => undefined;
        const inPause = new Promise<void>((resolve) => (pausing = resolve));
        const first = lab.stack.up({ color: "never", onEvent: (e) => e.resourcePreEvent?.metadata.type.endsWith(":Pause") && pausing() });
        await inPause;
        assert.equal(locks().length, 1, "the first update holds the lock");
        const second = await lab.stack.up({ color: "never" }).then(
            () => undefined,
            (e: unknown) => e,
        );
        const message = lockedStackMessage(second);
        console.log(`        ${message}`);
        assert.match(message ?? String(second), /^another update of this stack holds its lock: pid \d+ \(\S+@\S+\), since \S+, still running; nothing was changed: wait for it to end$/);
        assert.equal((await first).summary.result, "succeeded");
        assert.deepEqual(locks(), [], "the first update released its lock");
    });

    it("an update killed mid-way leaves a stale lock: named stale with its file; removed, the next update runs", async () => {
        const running = lab.stack.up({ color: "never" }).catch((e: unknown) => e);
        for (let i = 0; i < 100 && locks().length === 0; i++) {
            await sleep(50);
        }
        const [lock] = locks();
        assert.ok(lock !== undefined, "the update took the lock");
        const pid = (JSON.parse(fs.readFileSync(lock, "utf8")) as { pid: number }).pid;
        process.kill(pid, "SIGKILL");
        await running;
        assert.deepEqual(locks(), [lock], "a killed update leaves its lock");
        const refused = await lab.stack.up({ color: "never" }).then(
            () => undefined,
            (e: unknown) => e,
        );
        const message = lockedStackMessage(refused);
        console.log(`        ${message}`);
        assert.equal(message, `another update of this stack holds its lock: pid ${pid} (${/created by (\S+) \(/.exec(String((refused as Error).message))![1]}), since ${/at (\S+)\n/.exec(String((refused as Error).message) + "\n")![1]}, no longer running: the lock is stale (an update that was killed); nothing was changed: remove the lock file and run the command again: rm ${lock}`);
        fs.rmSync(lock);
        assert.equal((await lab.stack.up({ color: "never" })).summary.result, "succeeded");
    });
});
