// `lab up --timings`: where an `up` spends its time, from the engine's own events. Each event is stamped
// when the Automation API hands it over (the engine's own timestamps are whole seconds): the engine's
// start (the prelude), each provider's and each resource's step (its pre event to its outputs), the
// summary, the command's return. The critical path goes back from the step that ended last, at each step
// to what it waited for longest: the dependency (or parent) that ended last before it started.
import { automation } from "@pulumi/pulumi";

export interface TimedEvent {
    /** Milliseconds since the command started. */
    atMs: number;
    event: automation.EngineEvent;
}

export interface Step {
    urn: string;
    type: string;
    name: string;
    op: string;
    startMs: number;
    endMs: number;
}

export interface Timings {
    /** The engine's start: from the command to its prelude event. */
    engineStartMs: number | null;
    /** From the prelude to the first step: the program running and registering its resources. */
    firstStepMs: number | null;
    summaryMs: number | null;
    totalMs: number;
    /** Where the command is `lab up` itself: its process's time before the update (node, its modules, the checks, the workspace). */
    labStartMs?: number;
    providers: Step[];
    steps: Step[];
    criticalPath: { step: Step; waitMs: number }[];
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** The steps the events show, of custom resources: a pre event and the outputs (or a failure) of the same URN. */
export function stepsOf(events: TimedEvent[]): Step[] {
    const open = new Map<string, { type: string; op: string; startMs: number; custom: boolean }>();
    const steps: Step[] = [];
    for (const { atMs, event } of events) {
        const pre = event.resourcePreEvent;
        if (pre !== undefined && !pre.planning) {
            // A component's "step" spans its children's: only custom resources (and providers) do work of their own.
            // The engine leaves `custom` out when false (a component).
            const state = pre.metadata.new ?? pre.metadata.old;
            const custom = state === undefined || state.custom === true;
            open.set(pre.metadata.urn, { type: pre.metadata.type, op: pre.metadata.op, startMs: atMs, custom });
        }
        const done = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (done !== undefined && !event.resOutputsEvent?.planning) {
            const started = open.get(done.urn);
            if (started !== undefined) {
                open.delete(done.urn);
                if (!started.custom) {
                    continue;
                }
                steps.push({ urn: done.urn, type: started.type, name: nameOf(done.urn), op: started.op, startMs: started.startMs, endMs: atMs });
            }
        }
    }
    return steps;
}

/** What each resource waited on, by URN: its dependencies and its parent (from the stack's state). */
export type Dependencies = Map<string, string[]>;

/** The dependencies of every resource in an exported deployment (its `dependencies` and `parent`). */
export function dependenciesOf(deployment: { resources?: { urn: string; parent?: string; dependencies?: string[]; provider?: string }[] }): Dependencies {
    const deps: Dependencies = new Map();
    for (const r of deployment.resources ?? []) {
        // A provider reference is "<urn>::<id>": the provider's URN is everything before the last "::".
        const provider = r.provider !== undefined ? r.provider.slice(0, r.provider.lastIndexOf("::")) : undefined;
        deps.set(r.urn, [...(r.dependencies ?? []), ...(r.parent !== undefined ? [r.parent] : []), ...(provider !== undefined ? [provider] : [])]);
    }
    return deps;
}

/** Back from the step that ended last, at each step to the dependency that ended last before it started. */
export function criticalPath(steps: Step[], deps: Dependencies): { step: Step; waitMs: number }[] {
    const byUrn = new Map(steps.map((s) => [s.urn, s]));
    const path: { step: Step; waitMs: number }[] = [];
    let current = [...steps].sort((a, b) => b.endMs - a.endMs)[0];
    const seen = new Set<string>();
    while (current !== undefined && !seen.has(current.urn)) {
        seen.add(current.urn);
        const before = (deps.get(current.urn) ?? []).map((u) => byUrn.get(u)).filter((s): s is Step => s !== undefined && s.endMs <= current.startMs + 1);
        const waitedOn = before.sort((a, b) => b.endMs - a.endMs)[0];
        path.unshift({ step: current, waitMs: waitedOn !== undefined ? Math.max(0, current.startMs - waitedOn.endMs) : current.startMs });
        current = waitedOn;
    }
    return path;
}

export function timingsOf(events: TimedEvent[], totalMs: number, deps: Dependencies): Timings {
    const at = (pick: (e: automation.EngineEvent) => unknown) => events.find((e) => pick(e.event) !== undefined)?.atMs ?? null;
    const prelude = at((e) => e.preludeEvent);
    const all = stepsOf(events);
    const firstStart = all.length > 0 ? Math.min(...all.map((s) => s.startMs)) : null;
    return {
        engineStartMs: prelude,
        firstStepMs: prelude !== null && firstStart !== null ? firstStart - prelude : null,
        summaryMs: at((e) => e.summaryEvent),
        totalMs,
        providers: all.filter((s) => s.type.startsWith("pulumi:providers:")),
        steps: all.filter((s) => !s.type.startsWith("pulumi:providers:")),
        criticalPath: criticalPath(all, deps),
    };
}

const sec = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(2)} s`);

/** The timings as lines: phases, providers, the slowest steps, the critical path. */
export function timingLines(t: Timings, slowest = 8): string[] {
    const changed = t.steps.filter((s) => s.op !== "same");
    return [
        `timings: ${sec(t.totalMs)} from the command to its return`,
        ...(t.labStartMs === undefined ? [] : [`  the lab before it (node, its modules, checks, the workspace) ${sec(t.labStartMs)}; the process in all ${sec(t.labStartMs + t.totalMs)}`]),
        `  engine start (to the prelude)         ${sec(t.engineStartMs)}`,
        `  program to the first step             ${sec(t.firstStepMs)}`,
        `  summary at                            ${sec(t.summaryMs)}; the command returned ${sec(t.summaryMs === null ? null : t.totalMs - t.summaryMs)} after it`,
        ...t.providers.map((p) => `  provider ${p.name.padEnd(28)} ${sec(p.endMs - p.startMs)} (${p.op}, from ${sec(p.startMs)})`),
        `  ${t.steps.length} steps, ${changed.length} changing anything; the slowest:`,
        ...[...t.steps]
            .sort((a, b) => b.endMs - a.endMs - (b.startMs - a.startMs) || a.urn.localeCompare(b.urn))
            .slice(0, slowest)
            .map((s) => `    ${sec(s.endMs - s.startMs).padStart(8)}  ${s.op.padEnd(8)} ${s.type} ${s.name}`),
        "  critical path (waited, then took):",
        ...t.criticalPath.map(({ step, waitMs }) => `    +${sec(waitMs).padStart(8)} ${sec(step.endMs - step.startMs).padStart(8)}  ${step.op.padEnd(8)} ${step.type} ${step.name}`),
    ];
}
