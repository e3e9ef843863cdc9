// Benchmark: how long a rollout step takes, from the command to the new split, side by side in one run.
//   floor  a no-change up of kind-canary against an empty inline program's, on the same engine (render
//          mode, no cluster), through the Automation API's Stack.up and through the lab's own up
//   kind   a canary weight step and a blue/green switch, native and Traefik, on a real kind cluster under
//          a probe of 100 req/s: by the lab (config + up) and by hand (kubectl scale / patch of what the
//          lab's change wrote), each with the first new answer, the moment the new split holds, the
//          command's return and the failed requests, and the ratio lab / kubectl
//          (and, after the table, where each of the lab's ups spent its time: lab up --timings)
//   swarm  the colour switch against the image-rebuild method: npm run bench:switch, where the docker
//          provider plugin is installed; said and skipped where it is not
// Figures are printed, not asserted. Needs the Pulumi CLI and the Kubernetes provider on PATH; the kind part
// needs kind (and its node image where no registry is reachable: give it as ROLLOUT_LAB_MACHINE_CONFIG lines
// or --config, as docs/building-without-registries.md shows), and Traefik's image for the Traefik cases.
// Run: npm run bench:step -- [--runs 5] [--rate 100] [--only floor,kind,swarm] [--cases canary-native,...]
import { spawnSync } from "child_process";
import { Command } from "commander";
import * as path from "path";
import { configPair, number } from "../lab/cliArgs";
import { ensurePulumiCli } from "../lib/engine";
import { FloorFigures, engineFloor, floorAgainstHand, floorLines } from "./step/engineFloor";
import { CaseResult, caseLines, runStepCase, stepCases } from "./step/kindSteps";

const log = (line: string) => process.stderr.write(`[bench:step] ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

function hasCommand(name: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

function hasDockerPlugin(): boolean {
    if (hasCommand("pulumi-resource-docker")) return true;
    const home = process.env.PULUMI_HOME ?? path.join(process.env.HOME ?? "", ".pulumi");
    return spawnSync("sh", ["-c", `ls -d "${home}"/plugins/resource-docker-v* >/dev/null 2>&1`]).status === 0;
}

async function main(): Promise<void> {
    const program = new Command("bench:step")
        .option("--runs <n>", "no-change ups per program for the floor", number("runs", 1, 50), 5)
        .option("--rate <perSecond>", "the probe's requests per second in the kind part", number("rate", 1, 1000), 100)
        .option("--only <parts>", "floor, kind, swarm (comma-separated)", "floor,kind,swarm")
        .option("--cases <names>", `kind cases (${stepCases.map((c) => c.name).join(", ")})`, stepCases.map((c) => c.name).join(","))
        .option("--config <key=value>", "stack config for every stack (repeatable), e.g. rollout-lab:kind.nodeImage=...", configPair, {} as Record<string, string>)
        .parse();
    const o = program.opts<{ runs: number; rate: number; only: string; cases: string; config: Record<string, string> }>();
    const parts = o.only.split(",");
    ensurePulumiCli();
    const skipped: string[] = [];

    let floor: FloorFigures | undefined;
    if (parts.includes("floor")) {
        floor = await engineFloor(o.runs, o.config, log);
        out(floorLines(floor).join("\n"));
    }
    if (parts.includes("kind")) {
        if (!hasCommand("kind") || !hasCommand("kubectl")) {
            skipped.push("kind: kind and kubectl must be on PATH (scripts/kind-node.sh --print-path has both)");
        } else {
            const wanted = o.cases.split(",");
            const unknown = wanted.filter((n) => !stepCases.some((c) => c.name === n));
            if (unknown.length > 0) throw new Error(`--cases: got ${unknown.join(", ")}; allowed: ${stepCases.map((c) => c.name).join(", ")}`);
            const results: CaseResult[] = [];
            for (const c of stepCases.filter((x) => wanted.includes(x.name))) {
                results.push(await runStepCase(c, o.config, o.rate, log));
            }
            out(`\nrollout steps on kind at ${o.rate} req/s (seconds from the command):`);
            out(caseLines(results).join("\n"));
            out(results.map((r) => `  ${r.name} by hand: ${r.handCommands.join("; ")}`).join("\n"));
            if (floor !== undefined) out(floorAgainstHand(floor.emptyQuickUp, results).join("\n"));
            // Where each of the lab's ups spent its time (as lab up --timings prints it; the config set before it is not in these).
            for (const r of results) out(`\n${r.name}, the lab's up: ${r.labTimings.join("\n  ")}`);
        }
    }
    if (parts.includes("swarm")) {
        if (!hasDockerPlugin()) {
            skipped.push("swarm: needs the docker provider plugin (pulumi-resource-docker), which no package registry serves; where it is installed, this runs npm run bench:switch (the colour switch against rebuilding the HAProxy image)");
        } else {
            out("\nSwarm: the colour switch against the image rebuild (npm run bench:switch):");
            const r = spawnSync("npx", ["ts-node", "--transpile-only", path.join(__dirname, "switchBenchmark.ts"), "--rate", String(o.rate)], { stdio: "inherit" });
            if (r.status !== 0) throw new Error(`bench:switch exited with ${r.status}`);
        }
    }
    for (const s of skipped) out(`skipped: ${s}`);
}

main().catch((e) => {
    process.stderr.write(`bench:step: ${(e as Error).message}\n`);
    process.exit(1);
});
