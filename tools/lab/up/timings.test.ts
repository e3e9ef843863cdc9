import { strict as assert } from "assert";
import { automation } from "@pulumi/pulumi";
import { TimedEvent, criticalPath, dependenciesOf, stepsOf, timingLines, timingsOf } from "./timings";

// `lab up --timings` on a made-up update: the engine starts at 900 ms, the provider at 1.0-1.4 s, a
// namespace 1.5-1.8 s, two Deployments after it (one 1.8-4.8 s, one 1.9-2.4 s), a Service after the first
// Deployment (4.9-5.0 s); the summary at 5.2 s and the command's return at 5.5 s.

const p = "urn:pulumi:s::rollout-lab::";
const urn = {
    provider: `${p}pulumi:providers:kubernetes::lab-k8s`,
    ns: `${p}kubernetes:core/v1:Namespace::lab-ns`,
    stable: `${p}rollout-lab:kubernetes:RoutedApp$kubernetes:apps/v1:Deployment::demo-stable`,
    canary: `${p}rollout-lab:kubernetes:RoutedApp$kubernetes:apps/v1:Deployment::demo-canary`,
    svc: `${p}kubernetes:core/v1:Service::demo-app`,
};
const type = (u: string) => u.slice(u.lastIndexOf("$") + 1 || p.length).split("::")[0].replace(/^.*\$/, "");

function step(u: string, op: string, startMs: number, endMs: number): TimedEvent[] {
    const metadata = { op, urn: u, type: u.includes("providers") ? "pulumi:providers:kubernetes" : type(u), provider: "", new: { custom: true } } as unknown as automation.StepEventMetadata;
    return [
        { atMs: startMs, event: { sequence: 0, timestamp: 0, resourcePreEvent: { metadata } } },
        { atMs: endMs, event: { sequence: 0, timestamp: 0, resOutputsEvent: { metadata } } },
    ];
}

/** A component's pre and outputs events: they span its children's steps and are no step of their own. */
function component(u: string, startMs: number, endMs: number): TimedEvent[] {
    // The engine leaves `custom` out of a component's state (false is omitted).
    const metadata = { op: "same", urn: u, type: "pulumi:pulumi:Stack", provider: "", new: { urn: u } } as unknown as automation.StepEventMetadata;
    return [
        { atMs: startMs, event: { sequence: 0, timestamp: 0, resourcePreEvent: { metadata } } },
        { atMs: endMs, event: { sequence: 0, timestamp: 0, resOutputsEvent: { metadata } } },
    ];
}

const events: TimedEvent[] = [
    { atMs: 900, event: { sequence: 0, timestamp: 0, preludeEvent: { config: {} } } },
    ...component(`${p}pulumi:pulumi:Stack::rollout-lab-kind-canary`, 950, 5100),
    ...step(urn.provider, "same", 1000, 1400),
    ...step(urn.ns, "same", 1500, 1800),
    ...step(urn.stable, "update", 1800, 4800),
    ...step(urn.canary, "same", 1900, 2400),
    ...step(urn.svc, "update", 4900, 5000),
    { atMs: 5200, event: { sequence: 0, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 5, resourceChanges: {}, policyPacks: {} } as automation.SummaryEvent } },
].sort((a, b) => a.atMs - b.atMs);

const deps = dependenciesOf({
    resources: [
        { urn: urn.provider },
        { urn: urn.ns, provider: `${urn.provider}::04da6b54` },
        { urn: urn.stable, dependencies: [urn.ns], provider: `${urn.provider}::04da6b54` },
        { urn: urn.canary, dependencies: [urn.ns], provider: `${urn.provider}::04da6b54` },
        { urn: urn.svc, dependencies: [urn.stable, urn.canary], provider: `${urn.provider}::04da6b54` },
    ],
});

describe("lab up --timings", () => {
    it("pairs each step's pre event with its outputs; a planning event is not a step", () => {
        const planning: TimedEvent = { atMs: 100, event: { sequence: 0, timestamp: 0, resourcePreEvent: { metadata: { op: "create", urn: urn.svc, type: "x", provider: "" } as unknown as automation.StepEventMetadata, planning: true } } };
        assert.deepEqual(
            stepsOf([planning, ...events]).map((s) => [s.name, s.op, s.startMs, s.endMs]),
            [
                ["lab-k8s", "same", 1000, 1400],
                ["lab-ns", "same", 1500, 1800],
                ["demo-canary", "same", 1900, 2400],
                ["demo-stable", "update", 1800, 4800],
                ["demo-app", "update", 4900, 5000],
            ],
        );
    });

    it("the critical path goes back from the last step through what each waited on longest: provider, namespace, the slow Deployment, the Service", () => {
        assert.deepEqual(dependenciesOf({ resources: [{ urn: urn.svc, dependencies: [urn.stable], parent: urn.ns, provider: `${urn.provider}::id` }] }).get(urn.svc), [urn.stable, urn.ns, urn.provider]);
        const path = criticalPath(stepsOf(events), deps);
        assert.deepEqual(
            path.map(({ step: s, waitMs }) => [s.name, waitMs]),
            [
                ["lab-k8s", 1000],
                ["lab-ns", 100],
                ["demo-stable", 0],
                ["demo-app", 100],
            ],
        );
    });

    it("the phases and the lines a user reads", () => {
        const t = timingsOf(events, 5500, deps);
        assert.deepEqual([t.engineStartMs, t.firstStepMs, t.summaryMs, t.totalMs], [900, 100, 5200, 5500]);
        assert.deepEqual(t.providers.map((s) => s.name), ["lab-k8s"]);
        const lines = timingLines(t, 2);
        assert.equal(lines[0], "timings: 5.50 s from the command to its return");
        assert.ok(lines.includes("  engine start (to the prelude)         0.90 s"));
        assert.ok(lines.includes("  summary at                            5.20 s; the command returned 0.30 s after it"));
        assert.ok(lines.includes("  4 steps, 2 changing anything; the slowest:"));
        assert.equal(lines[lines.indexOf("  4 steps, 2 changing anything; the slowest:") + 1], "      3.00 s  update   kubernetes:apps/v1:Deployment demo-stable");
        assert.equal(lines[lines.length - 1], "    +  0.10 s   0.10 s  update   kubernetes:core/v1:Service demo-app");
        assert.equal(lines.filter((l) => l.includes("the lab before it")).length, 0, "no lab start where none was given (the bench's ups)");
        const withStart = timingLines({ ...t, labStartMs: 1040 }, 2);
        assert.equal(withStart[1], "  the lab before it (node, its modules, checks, the workspace) 1.04 s; the process in all 6.54 s");
    });
});
