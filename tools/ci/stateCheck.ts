// Does a change to the code keep a running lab's resources? `record` brings every Kubernetes stack up in
// render mode (the real engine, manifests written to files, no cluster) into state folders of its own;
// `compare`, run later from the changed code, previews each stack against that state and prints what the
// engine would do: every resource "same" means no URN moved (a rename without its alias would show as a
// create and a delete). Swarm stacks need the docker plugin and are skipped, said so.
//
//   npm run state:check -- record  <dir> [stack...]
//   npm run state:check -- compare <dir> [stack...]
//
// Needs the Pulumi CLI and the Kubernetes provider on PATH (scripts/toolchain.sh). Charts, which come
// from Helm repositories, are left out (install: false); Grafana too (its password is the random
// provider's). Exit 1 when a stack would create, delete, replace or update anything.
import * as fs from "fs";
import * as path from "path";
import { knownStacks, loadStackConfig, repoRoot } from "../lib/stackFile";
import { openLabStack } from "../lib/workspace";

/** The Gateway API CRDs' stand-in, copied into <dir> on record so that both runs name the same file. */
function crdsIn(dir: string): string {
    const file = path.join(dir, "gateway-api-crds.yaml");
    if (!fs.existsSync(file)) {
        fs.mkdirSync(dir, { recursive: true });
        fs.copyFileSync(path.join(repoRoot, "test", "fixtures", "gateway-api-crds.yaml"), file);
    }
    return file;
}

function offlineConfig(dir: string, stack: string): Record<string, string> {
    return {
        "rollout-lab:renderYamlTo": path.join(dir, stack, "rendered"),
        "rollout-lab:monitoring.grafana": "false",
        "rollout-lab:gatewayApi.crds": crdsIn(dir),
        "rollout-lab:ingressNginx.install": "false",
        "rollout-lab:linkerd.install": "false",
        "rollout-lab:istio.install": "false",
    };
}

async function main(argv: string[]): Promise<number> {
    const [mode, dir, ...only] = argv;
    if ((mode !== "record" && mode !== "compare") || dir === undefined) {
        process.stderr.write("usage: stateCheck.ts record|compare <dir> [stack...]\n");
        return 2;
    }
    const stacks = only.length > 0 ? only : knownStacks();
    let changed = 0;
    for (const stack of stacks) {
        const platform = loadStackConfig(stack).platform;
        if (platform === "swarm") {
            process.stdout.write(`${stack}: skipped (Swarm: needs the docker plugin)\n`);
            continue;
        }
        const scratchDir = path.join(path.resolve(dir), stack);
        if (mode === "compare" && !fs.existsSync(path.join(scratchDir, "state"))) {
            process.stdout.write(`${stack}: no recorded state in ${scratchDir}\n`);
            changed++;
            continue;
        }
        const lab = await openLabStack({ stack, scratchDir, config: offlineConfig(path.resolve(dir), stack) });
        if (mode === "record") {
            const up = await lab.stack.up({});
            process.stdout.write(`${stack}: recorded, ${JSON.stringify(up.summary.resourceChanges)}\n`);
        } else {
            const preview = await lab.stack.preview({ diff: true });
            const summary = preview.changeSummary as Record<string, number>;
            const moved = Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0);
            changed += moved.length > 0 ? 1 : 0;
            process.stdout.write(`${stack}: ${JSON.stringify(summary)}${moved.length > 0 ? "  <- changes" : ""}\n`);
            if (moved.length > 0) {
                process.stdout.write(preview.stdout.split("\n").filter((l) => /^\s*[-+~]|replace|create|delete|update/.test(l)).slice(0, 40).join("\n") + "\n");
            }
        }
    }
    process.stdout.write(mode === "compare" ? `${changed} stack(s) would change\n` : "");
    return changed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
