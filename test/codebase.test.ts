import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "./support/pulumiHarness";
import { formerType } from "../components/formerType";

// The shape the code keeps (issue 14): no product file over 300 lines, no import cycle (type imports
// count: a cycle of types still ties the files together), and each layer importing only what is under it.

/** The program, the lab CLI, the probe and the benchmark: everything a user runs. */
const entryPoints = ["index.ts", "tools/lab/cli.ts", "tools/probe/cli.ts", "tools/ci/preview/cli.ts", "tools/bench/switchBenchmark.ts", "tools/bench/previewBenchmark.ts", "tools/bench/stepBenchmark.ts", "tools/ci/stateCheck.ts", "policy/index.ts", "app/src/main.ts", "tools/languageHost/host.ts"];

function productFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
            const rel = path.join(dir, e.name);
            if (e.isDirectory()) {
                walk(rel);
            } else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
                out.push(rel);
            }
        }
    };
    ["program", "components", "monitoring", "tools", "policy", "app/src"].forEach(walk);
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

    it("has no loop between folders", () => {
        // A folder: the first two segments (components/plan, monitoring/kubernetes, tools/lab), or the top one.
        const folderOf = (f: string) => {
            const parts = f.split("/");
            return parts.length > 2 ? parts.slice(0, 2).join("/") : parts.length === 2 ? parts[0] : f;
        };
        const edges = new Map<string, Set<string>>();
        for (const [file, deps] of Object.entries(graph)) {
            for (const dep of deps) {
                const [a, b] = [folderOf(file), folderOf(dep)];
                if (a !== b) {
                    edges.set(a, (edges.get(a) ?? new Set()).add(b));
                }
            }
        }
        // Tarjan's strongly connected components: every set of folders that reach one another.
        const index = new Map<string, number>();
        const low = new Map<string, number>();
        const stack: string[] = [];
        const loops: string[][] = [];
        const visit = (v: string) => {
            index.set(v, index.size);
            low.set(v, index.get(v)!);
            stack.push(v);
            for (const w of edges.get(v) ?? []) {
                if (!index.has(w)) {
                    visit(w);
                    low.set(v, Math.min(low.get(v)!, low.get(w)!));
                } else if (stack.includes(w)) {
                    low.set(v, Math.min(low.get(v)!, index.get(w)!));
                }
            }
            if (low.get(v) === index.get(v)) {
                const loop: string[] = [];
                let w: string;
                do {
                    w = stack.pop()!;
                    loop.push(w);
                } while (w !== v);
                if (loop.length > 1) {
                    loops.push(loop.sort());
                }
            }
        };
        [...edges.keys()].forEach((v) => index.has(v) || visit(v));
        // Left: the config reads the routers' declarations while the routers read the config's types.
        assert.deepEqual(loops, []);
    });

    it("names each component's type after the folder it lives in; a renamed one keeps its former type as an alias", () => {
        const types: string[] = [];
        for (const f of productFiles()) {
            const text = fs.readFileSync(path.join(repoRoot, f), "utf8");
            for (const m of text.matchAll(/super\("rollout-lab:([a-zA-Z]+):([A-Za-z]+)", name, \{\}, (formerType\("([^"]+)", opts\)|opts)\)/g)) {
                types.push(`${f} ${m[1]}:${m[2]}${m[4] ? ` (was ${m[4]})` : ""}`);
            }
        }
        assert.deepEqual(types.sort(), [
            "components/app/appImages.ts app:AppImages",
            "components/kubernetes/routedApp.ts kubernetes:RoutedApp (was rollout-lab:traffic:RoutedApp)",
            "components/platform/kindCluster.ts platform:KindCluster",
            "components/platform/kubernetesPlatform.ts platform:KubernetesPlatform",
            "components/platform/swarmPlatform.ts platform:SwarmPlatform",
            "components/routers/istio/istioMesh.ts routers:IstioMesh (was rollout-lab:traffic:IstioMesh)",
            "components/routers/linkerd/linkerdMesh.ts routers:LinkerdMesh (was rollout-lab:traffic:LinkerdMesh)",
            "components/routers/traefik/traefikProxy.ts routers:TraefikProxy (was rollout-lab:traffic:TraefikProxy)",
            "components/swarm/appServices.ts swarm:SwarmServices (was rollout-lab:strategies:SwarmServices)",
            "components/swarm/edgeProxy.ts swarm:EdgeProxy (was rollout-lab:edge:EdgeProxy)",
            "monitoring/kubernetes/index.ts monitoring:KubernetesMonitoring",
            "monitoring/kubernetes/sharedExporters.ts monitoring:SharedExporters",
            "monitoring/swarmMonitoring.ts monitoring:SwarmMonitoring",
        ]);
        assert.deepEqual(formerType("rollout-lab:traffic:RoutedApp", { aliases: [{ name: "x" }], protect: true }), { aliases: [{ name: "x" }, { type: "rollout-lab:traffic:RoutedApp" }], protect: true });
    });

    it("keeps each layer to what is under it", () => {
        const rules: [RegExp, RegExp, string][] = [
            // The plan floor is pure: it reads the config's types and nothing that makes resources.
            [/^components\/plan\//, /^(?!components\/plan\/|components\/vocabulary\/|components\/config\/schema\.ts$)/, "the plan imports only the vocabulary and the config's schema"],
            // The vocabulary is the floor: the words and their arithmetic, importing nothing of the lab.
            [/^components\/vocabulary\//, /^(?!components\/vocabulary\/)/, "the vocabulary imports nothing of the lab"],
            // The config is checked with the vocabulary and the routers' declarations; the plan sits on it.
            [/^components\/config\//, /^components\/plan\//, "the config imports no plan"],
            // A router's declaration is data the config check reads: vocabulary only.
            [/^components\/routers\/([a-zA-Z]+\/)?declaration(Registry)?\.ts$/, /^(?!components\/vocabulary\/index\.ts$|components\/routers\/([a-zA-Z]+\/)?declaration(Registry)?\.ts$)/, "declarations import only the vocabulary"],
            // Platforms hand out a provider or engine and entry points; they know no router and no monitoring.
            [/^components\/platform\//, /^(monitoring\/|components\/routers\/|components\/swarm\/)/, "platforms know no router and no monitoring"],
            // Monitoring is told its targets: it does not reach into the routers or the platforms.
            [/^monitoring\//, /^components\/(routers|platform|swarm)\//, "monitoring knows no router or platform"],
            // The composition root (program/) sits above components and monitoring; nothing under it reaches up.
            [/^(components|monitoring)\//, /^program\//, "only index.ts and the lab CLI import the composition root"],
            [/^components\//, /^monitoring\//, "nothing under components/ imports monitoring"],
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
