// A rollout step on a real kind cluster, done by the lab and by hand, under the same probe: a canary weight
// step and a blue/green switch, with native routing (replica ratio, Service selector) and with Traefik
// (HTTPRoute weights). Per case: the stack up at the old split; the lab's change (config, then the lab's
// up) measured; the lab back to the old split (not measured); the same change by hand with kubectl,
// measured. Each stack brings its own kind cluster and takes it away.
import { ConfigChange } from "../../../components/plan";
import { stackOutputs } from "../../lib/engine";
import { ClusterKubectl, kubectlFor } from "../../lib/kubectl";
import { quickUp } from "../../lib/quickUp";
import { TimedEvent, dependenciesOf, timingLines, timingsOf } from "../../lab/up/timings";
import { openLabStack, setPathConfig } from "../../lib/workspace";
import { Probe } from "../../probe/probe";
import { ChangeFigures, changeFigures } from "./changeFigures";
import { handPatches, routingFields } from "./byHand";

export interface StepCase {
    name: string;
    stack: string;
    what: string;
    from: ConfigChange;
    to: ConfigChange;
    fromShare: number;
    toShare: number;
    /** A new connection per request: kube-proxy picks a pod per connection (a replica-ratio split, a selector switch). */
    newConnections: boolean;
}

export const stepCases: StepCase[] = [
    { name: "canary-native", stack: "kind-canary", what: "canary 10 -> 50 (replicas 9+1 -> 5+5)", from: { "rollout-lab:canary.weight": "10" }, to: { "rollout-lab:canary.weight": "50" }, fromShare: 10, toShare: 50, newConnections: true },
    { name: "canary-traefik", stack: "kind-canary-traefik", what: "canary 10 -> 50 (HTTPRoute weights)", from: { "rollout-lab:canary.weight": "10" }, to: { "rollout-lab:canary.weight": "50" }, fromShare: 10, toShare: 50, newConnections: false },
    { name: "bluegreen-native", stack: "kind-bluegreen", what: "blue -> green (Service selector)", from: { "rollout-lab:bluegreen.activeColor": "blue" }, to: { "rollout-lab:bluegreen.activeColor": "green" }, fromShare: 0, toShare: 100, newConnections: true },
    { name: "bluegreen-traefik", stack: "kind-bluegreen-traefik", what: "blue -> green (HTTPRoute 100/0 -> 0/100)", from: { "rollout-lab:bluegreen.activeColor": "blue" }, to: { "rollout-lab:bluegreen.activeColor": "green" }, fromShare: 0, toShare: 100, newConnections: false },
];

export interface CaseResult {
    name: string;
    what: string;
    lab: ChangeFigures;
    hand: ChangeFigures;
    handCommands: string[];
    /** Where the lab's up spent its time, from the engine's events (lab up --timings). */
    labTimings: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Runs `change` with the probe going, then watches until 10 s after it returned (at least 25 s after it began). */
async function measure(probe: Probe, c: StepCase, change: () => Promise<unknown>): Promise<ChangeFigures> {
    const commandAtMs = probe.elapsedMs();
    await change();
    const returnedAtMs = probe.elapsedMs();
    await sleep(Math.max(returnedAtMs + 10_000, commandAtMs + 25_000) - probe.elapsedMs());
    // Requests of the last 2.5 s may still be in flight: judge up to then.
    const endMs = probe.elapsedMs() - 2500;
    const records = probe.snapshot().filter((r) => r.sentAtMs < endMs);
    return changeFigures(records, { commandAtMs, returnedAtMs, fromShare: c.fromShare, toShare: c.toShare, candidate: "v2" });
}

export async function runStepCase(c: StepCase, config: Record<string, string>, rate: number, log: (line: string) => void): Promise<CaseResult> {
    let kubectl: ClusterKubectl | undefined;
    const lab = await openLabStack({ stack: c.stack, config: { ...config, ...c.from } });
    try {
        log(`${c.name}: up at the old split`);
        await quickUp(lab.stack, { color: "never" });
        const outputs = await stackOutputs(lab.stack);
        const cluster = kubectlFor({ kubeconfig: String(outputs.kubeconfig) });
        kubectl = cluster;
        const namespace = String(outputs.namespace);
        const probe = new Probe({ url: String(outputs.entryUrl), ratePerSecond: rate, durationS: 900, timeoutMs: 2000, maxInFlight: 4 * rate, newConnections: c.newConnections });
        const running = probe.run();
        try {
            await sleep(5000);
            const before = await routingFields(cluster, namespace);
            log(`${c.name}: the lab's change (${Object.entries(c.to).map(([k, v]) => `${k}=${v}`).join(", ")}, lab's up)`);
            const events: TimedEvent[] = [];
            let upMs = 0;
            const labFigures = await measure(probe, c, async () => {
                await setPathConfig(lab.stack, c.to);
                const t0 = Date.now();
                await quickUp(lab.stack, { color: "never", onEvent: (event) => events.push({ atMs: Date.now() - t0, event }) });
                upMs = Date.now() - t0;
            });
            const deps = dependenciesOf(((await lab.stack.exportStack()).deployment ?? {}) as Parameters<typeof dependenciesOf>[0]);
            const labTimings = timingLines(timingsOf(events, upMs, deps));
            const after = await routingFields(cluster, namespace);
            log(`${c.name}: back to the old split by the lab (not measured)`);
            await setPathConfig(lab.stack, c.from);
            await quickUp(lab.stack, { color: "never" });
            await sleep(10_000);
            const patches = handPatches(before, after);
            const handCommands = patches.map((p) => `kubectl -n ${namespace} ${p.args.join(" ")}`);
            log(`${c.name}: by hand: ${handCommands.join("; ")}`);
            const handFigures = await measure(probe, c, async () => {
                for (const p of patches) await cluster("-n", namespace, ...p.args);
            });
            return { name: c.name, what: c.what, lab: labFigures, hand: handFigures, handCommands, labTimings };
        } finally {
            probe.stop();
            await running;
        }
    } finally {
        log(`${c.name}: destroy (the kind cluster goes with the stack)`);
        await lab.stack.destroy({ color: "never" });
        lab.remove();
        kubectl?.close();
    }
}

export function caseLines(results: readonly CaseResult[]): string[] {
    const s = (x: number | null) => (x === null ? "never" : `${x.toFixed(2)} s`);
    const ratio = (a: number | null, b: number | null) => (a === null || b === null || b <= 0 ? "-" : `${(a / b).toFixed(2)}x`);
    const lines = [
        "| change | method | first new answer | new split holds | command returned | failed / requests |",
        "|---|---|---|---|---|---|",
    ];
    for (const r of results) {
        for (const [method, f] of [["lab", r.lab], ["kubectl", r.hand]] as const) {
            lines.push(`| ${r.what} | ${method} | ${s(f.firstNewS)} | ${s(f.holdsS)} | ${s(f.returnS)} | ${f.failed} / ${f.requests} |`);
        }
        lines.push(`| | lab / kubectl | ${ratio(r.lab.firstNewS, r.hand.firstNewS)} | ${ratio(r.lab.holdsS, r.hand.holdsS)} | ${ratio(r.lab.returnS, r.hand.returnS)} | |`);
    }
    return lines;
}
