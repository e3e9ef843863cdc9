import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./support/pulumiHarness";

// The shape the code keeps (issue 14): no product file over 300 lines, no import cycle (type imports
// count: a cycle of types still ties the files together), and each layer importing only what is under it.

/** The program, the lab CLI, the probe and the benchmark: everything a user runs. */
const entryPoints = ["index.ts", "tools/lab/cli.ts", "tools/probe/cli.ts", "tools/preview/cli.ts", "tools/bench/switchBenchmark.ts", "tools/bench/previewBenchmark.ts", "policy/index.ts", "app/src/main.ts"];

function productFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(rel);
            } else if (e.name.endsWith(".ts")) {
                out.push(rel);
            }
        }
    };
    ["components", "monitoring", "tools", "policy", "app/src"].forEach(walk);
    return [...out, "index.ts"].sort();
}

/** Every file each product file imports (relative imports, type-only ones included), from madge. */
async function importGraph(): Promise<Record<string, string[]>> {
    const madge = (await import("madge")).default;
    const result = await madge(entryPoints.map((e) => path.join(repoRoot, e)), {
        baseDir: repoRoot,
        fileExtensions: ["ts"],
        tsConfig: path.join(repoRoot, "tsconfig.json"),
        detectiveOptions: { ts: { skipTypeImports: false } },
    });
    return result.obj();
}

describe("the codebase's shape", function () {
    this.timeout(120_000);
    let graph: Record<string, string[]>;
    before(async () => {
        graph = await importGraph();
    });

    it("has no product file over 300 lines", () => {
        const long = productFiles()
            .map((f) => [f, fs.readFileSync(path.join(repoRoot, f), "utf8").split("\n").length - 1] as const)
            .filter(([, n]) => n > 300);
        assert.deepEqual(long, []);
    });

    it("reaches every product file from an entry point (so the checks below see them all)", () => {
        const unreached = productFiles().filter((f) => !(f in graph));
        assert.deepEqual(unreached, []);
    });

    it("has no import cycle", () => {
        const cycles: string[][] = [];
        const state = new Map<string, "open" | "done">();
        const visit = (file: string, trail: string[]) => {
            if (state.get(file) === "done") {
                return;
            }
            if (state.get(file) === "open") {
                cycles.push([...trail.slice(trail.indexOf(file)), file]);
                return;
            }
            state.set(file, "open");
            for (const dep of graph[file] ?? []) {
                visit(dep, [...trail, file]);
            }
            state.set(file, "done");
        };
        Object.keys(graph).forEach((f) => visit(f, []));
        assert.deepEqual(cycles, []);
    });

    it("keeps each layer to what is under it", () => {
        const rules: [RegExp, RegExp, string][] = [
            // The plan floor is pure: it reads the config's types and nothing that makes resources.
            [/^components\/plan\//, /^(?!components\/plan\/|components\/config\/schema\.ts$)/, "the plan imports only the config's schema"],
            // A router's declaration is data the config check reads: vocabulary only.
            [/^components\/routers\/([a-zA-Z]+\/)?declarations?\.ts$/, /^(?!components\/plan\/vocabulary\.ts$|components\/routers\/([a-zA-Z]+\/)?declarations?\.ts$)/, "declarations import only the plan's vocabulary"],
            // Platforms hand out a provider or engine and entry points; they know no router and no monitoring.
            [/^components\/platform\//, /^(monitoring\/|components\/routers\/|components\/swarm\/)/, "platforms know no router and no monitoring"],
            // Monitoring is told its targets: it does not reach into the routers or the platforms.
            [/^monitoring\//, /^components\/(routers|platform|swarm)\//, "monitoring knows no router or platform"],
            // Only the composition root and the CLI sit above the routers and monitoring together.
            [/^components\/(?!lab\.ts)/, /^monitoring\//, "nothing under components/ but lab.ts imports monitoring"],
        ];
        const broken: string[] = [];
        for (const [file, deps] of Object.entries(graph)) {
            for (const [from, to, why] of rules) {
                for (const dep of deps) {
                    if (from.test(file) && to.test(dep)) {
                        broken.push(`${file} -> ${dep}: ${why}`);
                    }
                }
            }
        }
        assert.deepEqual(broken, []);
    });
});
