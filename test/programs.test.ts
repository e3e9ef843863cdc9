import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findProgram, installHint, requireProgram, requiredPrograms, searchPath } from "./support/programs";
import { tempDir } from "./support/localProcesses";
import { repoRoot } from "./support/pulumiHarness";

describe("the programs the real-component tests need", () => {
    it("are searched on PATH and then in the sbin folders a normal user's PATH lacks", () => {
        assert.deepEqual(searchPath(["/opt/bin", "/usr/sbin", "/usr/bin"].join(path.delimiter)), ["/opt/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/sbin"]);
        const dir = tempDir("programs");
        const file = path.join(dir, "node_exporter");
        fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "haproxy"), "not executable", { mode: 0o644 });
        assert.equal(findProgram("prometheus-node-exporter", [dir]), file, "Homebrew's name for it");
        assert.equal(findProgram("haproxy", [dir]), undefined, "a file that cannot be run is not the program");
        assert.equal(findProgram("socat", [dir]), undefined);
    });

    it("a missing one is named with the Debian/Ubuntu and macOS commands that install it", () => {
        const missing = requiredPrograms.filter((p) => ["nginx", "prometheus", "promtool", "prometheus-node-exporter"].includes(p.name));
        assert.equal(
            installHint(missing),
            [
                "  Debian/Ubuntu: sudo apt-get install -y nginx-light prometheus prometheus-node-exporter",
                "                 sudo systemctl disable --now prometheus prometheus-node-exporter   # the packages start services on :9090/:9100, where the lab publishes its own",
                "  macOS:         brew install nginx prometheus node_exporter",
            ].join("\n"),
        );
        assert.throws(() => requireProgram("no-such-program-here"), /^Error: no-such-program-here is not installed \(searched PATH and \/usr\/local\/sbin, \/usr\/sbin, \/sbin\); install it:\n  Debian\/Ubuntu: sudo apt-get install -y no-such-program-here/);
    });

    it("npm test's preflight passes where they all are, and names the Node.js it runs on", () => {
        const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", path.join(repoRoot, "test", "support", "preflight.ts")], { encoding: "utf8", timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`^npm test: Node.js ${process.versions.node.replace(/\./g, "\\.")}; haproxy, nginx, socat, prometheus, promtool, prometheus-node-exporter found\\n$`));
    });
});
