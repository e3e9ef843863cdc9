// The engine's floor: a no-change `up` of kind-canary (render mode: the manifests written to a folder, no
// cluster; monitoring on, Grafana off) against an empty inline program's, on the same CLI, each through
// the Automation API's Stack.up (as Pulumi ships it) and through the lab's own up (quickUp: the outputs and
// the summary from the engine's events, not three more CLI runs).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { quickUp } from "../../lib/quickUp";
import { openLabStack, scratchProgramStack } from "../../lib/workspace";
import { median } from "./changeFigures";

export interface FloorFigures {
    runs: number;
    /** Median seconds of a no-change up. */
    emptyStackUp: number;
    emptyQuickUp: number;
    labStackUp: number;
    labQuickUp: number;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
    const t0 = process.hrtime.bigint();
    await run();
    return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function engineFloor(runs: number, config: Record<string, string>, log: (line: string) => void): Promise<FloorFigures> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-bench-floor-"));
    const lab = await openLabStack({
        stack: "kind-canary",
        config: { ...config, "rollout-lab:renderYamlTo": path.join(dir, "rendered"), "rollout-lab:monitoring.enabled": "true", "rollout-lab:monitoring.grafana": "false" },
    });
    try {
        // A program that registers nothing: the engine's own cost of an `up`.
        const empty = await scratchProgramStack(path.join(dir, "empty"), "empty", "floor", async () => ({}));
        log("engine floor: first up of each (not timed)");
        await empty.up({ color: "never" });
        await quickUp(lab.stack, { color: "never" });
        const t = { emptyStackUp: [] as number[], emptyQuickUp: [] as number[], labStackUp: [] as number[], labQuickUp: [] as number[] };
        for (let i = 0; i < runs; i++) {
            t.emptyStackUp.push(await timed(() => empty.up({ color: "never" })));
            t.emptyQuickUp.push(await timed(() => quickUp(empty, { color: "never" })));
            t.labStackUp.push(await timed(() => lab.stack.up({ color: "never" })));
            t.labQuickUp.push(await timed(() => quickUp(lab.stack, { color: "never" })));
            log(`engine floor run ${i + 1}/${runs}: empty ${t.emptyStackUp[i].toFixed(2)} / ${t.emptyQuickUp[i].toFixed(2)} s, kind-canary ${t.labStackUp[i].toFixed(2)} / ${t.labQuickUp[i].toFixed(2)} s (Stack.up / lab's up)`);
        }
        const m = (xs: number[]) => median(xs) ?? NaN;
        return { runs, emptyStackUp: m(t.emptyStackUp), emptyQuickUp: m(t.emptyQuickUp), labStackUp: m(t.labStackUp), labQuickUp: m(t.labQuickUp) };
    } finally {
        lab.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export function floorLines(f: FloorFigures): string[] {
    const s = (x: number) => `${x.toFixed(2)} s`;
    return [
        `no-change up, median of ${f.runs} (render mode; kind-canary with monitoring on, Grafana off)`,
        `  | program | Stack.up (Automation API) | lab's up (outputs from events) |`,
        `  |---|---|---|`,
        `  | empty inline program | ${s(f.emptyStackUp)} | ${s(f.emptyQuickUp)} |`,
        `  | kind-canary | ${s(f.labStackUp)} | ${s(f.labQuickUp)} |`,
        `  kind-canary by lab's up / the empty program by Stack.up: ${(f.labQuickUp / f.emptyStackUp).toFixed(2)}x (target: at most 1.5x); ` +
            `/ the empty program by lab's up: ${(f.labQuickUp / f.emptyQuickUp).toFixed(2)}x; what the lab adds over the engine: ${s(f.labQuickUp - f.emptyQuickUp)}`,
    ];
}

/**
 * The engine's floor against the hand method, for each change measured: an empty program's no-change up
 * (the lab's up, the fastest update the engine makes) over kubectl's return. Where that is more than 1.5,
 * no update through the engine, however little the lab adds, comes within 1.5x of kubectl for that change.
 */
export function floorAgainstHand(emptyQuickUpS: number, results: readonly { name: string; hand: { returnS: number | null } }[]): string[] {
    const each = results.map((r) => `${r.name} ${r.hand.returnS !== null && r.hand.returnS > 0 ? `${(emptyQuickUpS / r.hand.returnS).toFixed(2)}x` : "-"}`);
    return [
        `the engine's floor against kubectl: an empty program's no-change up (${emptyQuickUpS.toFixed(2)} s by the lab's up) / kubectl's return: ${each.join(", ")}` +
            ` (above 1.5x, no update through the engine comes within 1.5x of kubectl for that change)`,
    ];
}
