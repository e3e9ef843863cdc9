import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { containerLimits } from "./containerLimits";
import { bashHttpCheck, httpCheckTests } from "./healthcheck";

// The docker.Container and Service settings the Swarm lab shares: limits written as the provider reads
// them back, and health checks that work in an image with wget and no bash, or bash and no wget.

describe("containerLimits", () => {
    it("holds swap to the memory and keeps CPUs as the provider prints them", () => {
        assert.deepEqual(containerLimits({ memoryMb: 256, reservationMb: 64, cpus: "1.0" }), { memory: 256, memorySwap: 256, memoryReservation: 64, cpus: "1.0" });
    });

    it('refuses CPUs the provider would read back otherwise ("1" comes back as "1.0" and replaces the container)', () => {
        for (const cpus of ["1", "0.50", "0.05", "10.0", "0.0"]) {
            assert.throws(() => containerLimits({ memoryMb: 256, reservationMb: 64, cpus }), {
                message: `cpus: got "${cpus}"; allowed: one decimal from "0.1" to "9.9" (e.g. "1.0", which the provider reads back as written)`,
            });
        }
    });

    it("refuses a reservation that is not below the limit", () => {
        assert.throws(() => containerLimits({ memoryMb: 256, reservationMb: 256, cpus: "0.5" }), { message: "reservationMb: got 256; allowed: above 0 and below memoryMb (256)" });
    });
});

describe("HTTP health checks", () => {
    let server: http.Server;
    let port: number;
    let bin: string;
    before(async () => {
        server = http.createServer((req, res) => {
            res.statusCode = req.url === "/ready" ? 200 : 503;
            res.end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
        // A PATH with bash and no wget, as in the lab's Debian builds.
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-check-"));
        fs.symlinkSync("/bin/bash", path.join(bin, "bash"));
    });
    after(() => {
        server.close();
        fs.rmSync(bin, { recursive: true, force: true });
    });

    /** The check's exit status, run as Docker runs a CMD healthcheck (its argv, under this PATH). */
    const exitOf = (tests: string[], pathEnv: string) =>
        new Promise<number>((resolve) => execFile(tests[1], tests.slice(2), { env: { PATH: pathEnv } }, (err) => resolve(err ? Number(err.code) : 0)));

    it("asks 127.0.0.1 with bash's /dev/tcp and needs an HTTP 200", async () => {
        assert.equal(bashHttpCheck(9100, "/"), `exec 3<>/dev/tcp/127.0.0.1/9100 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`);
        assert.equal(await exitOf(["CMD", "/bin/bash", "-c", bashHttpCheck(port, "/ready")], bin), 0);
        assert.notEqual(await exitOf(["CMD", "/bin/bash", "-c", bashHttpCheck(port, "/other")], bin), 0);
    });

    it("without wget, asks with bash", async () => {
        assert.deepEqual(httpCheckTests(port, "/ready").slice(0, 3), ["CMD", "sh", "-c"]);
        // sh by its path: the PATH here has bash only.
        const check = (p: number, endpoint: string) => ["CMD", "/bin/sh", ...httpCheckTests(p, endpoint).slice(2)];
        assert.equal(await exitOf(check(port, "/ready"), bin), 0);
        assert.notEqual(await exitOf(check(port, "/other"), bin), 0, "HTTP 503");
        assert.notEqual(await exitOf(check(1, "/ready"), bin), 0, "nothing listening");
    });

    it("with wget, asks with wget (and fails when wget does)", async () => {
        const withWget = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-wget-"));
        try {
            fs.writeFileSync(path.join(withWget, "wget"), `#!/bin/sh\necho "$@" > ${withWget}/asked\nexit 8\n`, { mode: 0o755 });
            const tests = httpCheckTests(port, "/ready");
            assert.notEqual(await exitOf(["CMD", "/bin/sh", ...tests.slice(2)], withWget), 0);
            assert.equal(fs.readFileSync(path.join(withWget, "asked"), "utf8"), `-q -O /dev/null http://127.0.0.1:${port}/ready\n`);
        } finally {
            fs.rmSync(withWget, { recursive: true, force: true });
        }
    });
});
