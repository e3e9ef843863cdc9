import { strict as assert } from "assert";
import * as http from "http";
import { execFileSync } from "child_process";
import { LabConfig } from "../../components/config";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { thresholdsFor } from "../../tools/lab/rollout/decision";
import { applyChange, stackOutputs } from "../../tools/lib/engine";
import { PrometheusClient, readVersionHealth } from "../../tools/lib/prometheus";
import { runRollout } from "../../tools/lab/rollout/rollout";
import { loadStackConfig } from "../../tools/lib/stackFile";
import { rolloutPlan } from "../../components/plan";
import { watch } from "../../tools/lab/watch/command";
import { LabStack, openLabStack } from "../../tools/lib/workspace";
import { CheckReport, runChecks } from "../../tools/lab/check/command";
import { formatLine } from "../../tools/lab/check/check";
import * as path from "path";

// What the Swarm and kind end-to-end suites share: `pulumi up` with its checks, the probe around a
// change, sequential samples, and the figures each case records.

export function log(line: string): void {
    process.stdout.write(`        ${line}\n`);
}

export const seconds = (t0: number): number => Math.round((Date.now() - t0) / 100) / 10;

export interface UpResult {
    seconds: number;
    changes: Record<string, number>;
}

export async function up(lab: LabStack, what: string): Promise<UpResult> {
    const t0 = Date.now();
    const result = await lab.stack.up({ onOutput: (o) => process.env.E2E_VERBOSE && process.stdout.write(o), color: "never" });
    const took = seconds(t0);
    const changes = (result.summary.resourceChanges ?? {}) as Record<string, number>;
    log(`pulumi up (${what}): ${result.summary.result} in ${took} s, ${JSON.stringify(changes)}`);
    assert.equal(result.summary.result, "succeeded");
    // An export the stack does not have (kubeconfig on Swarm, kialiUrl without Istio) must not be exported
    // as undefined: the engine would warn "Undefined value (name) will not show as a stack output".
    assert.doesNotMatch(`${result.stdout}\n${result.stderr}`, /Undefined value/, "the program exported an undefined output");
    for (const line of result.stderr.split("\n").filter((l) => /warning/i.test(l))) {
        log(`  engine: ${line.trim()}`);
    }
    return { seconds: took, changes };
}

/** A second `pulumi up` with no edit: every resource the same, nothing created, updated or replaced. */
export async function upUnchanged(lab: LabStack): Promise<UpResult> {
    const r = await up(lab, "no edit");
    assert.deepEqual(Object.keys(r.changes), ["same"], `a no-change up changed something: ${JSON.stringify(r.changes)}`);
    return r;
}

export interface ProbeAroundOptions {
    maxS?: number;
    tailS?: number;
    headers?: Record<string, string>;
    headerShare?: number;
    oldVersion?: string;
    /** A new connection per request (kube-proxy balances connections, not requests). */
    newConnections?: boolean;
    ratePerSecond?: number;
}

/** Probes `url` while `change` runs (marked when it starts), then `tailS` seconds more. */
export async function probeAround(url: string, change: () => Promise<unknown>, options: ProbeAroundOptions = {}): Promise<ProbeSummary> {
    const probe = new Probe({
        url,
        ratePerSecond: options.ratePerSecond ?? 100,
        durationS: options.maxS ?? 180,
        timeoutMs: 2000,
        maxInFlight: 200,
        headers: options.headers,
        headerShare: options.headerShare,
        oldVersion: options.oldVersion,
        newConnections: options.newConnections,
    });
    const running = probe.run();
    await new Promise((r) => setTimeout(r, 3000));
    probe.mark();
    await change();
    await new Promise((r) => setTimeout(r, (options.tailS ?? 4) * 1000));
    probe.stop();
    const summary = await running;
    log(
        `probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}, ` +
            `error window ${JSON.stringify(summary.errorWindow)}, versions ${JSON.stringify(summary.versions)}, change ${JSON.stringify(summary.change)}`,
    );
    return summary;
}

export function recordProbe(record: Record<string, unknown>, summary: ProbeSummary): void {
    record.probe = {
        requests: summary.requests,
        failed: summary.failed,
        failures: summary.failures,
        errorWindowS: summary.errorWindow?.durationS ?? 0,
        timeToLastOldS: summary.change?.timeToLastOldS ?? null,
        versions: Object.fromEntries(Object.entries(summary.versions).map(([v, x]) => [v, x.count])),
    };
}

/** `count` requests to `url`, one after another: which version answered, or the status. */
export async function sample(url: string, count: number, headers?: Record<string, string>): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
        const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
        const key = res.status === 200 ? ((await res.json()) as { version: string }).version : `status ${res.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

/**
 * Like `sample`, but each request on a new TCP connection, as a browser's new visitor would: through
 * kube-proxy, the backend is chosen per connection, so this is what measures a replica-ratio split.
 */
export async function sampleNewConnections(url: string, count: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const one = () =>
        new Promise<string>((resolve) => {
            const req = http.get(url, { agent: false, headers: { Connection: "close" }, timeout: 5000 }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => (body += c));
                res.on("end", () => {
                    try {
                        resolve(res.statusCode === 200 ? (JSON.parse(body) as { version: string }).version : `status ${res.statusCode}`);
                    } catch {
                        resolve("unreadable");
                    }
                });
            });
            req.on("timeout", () => req.destroy(new Error("timeout")));
            req.on("error", (e: NodeJS.ErrnoException) => resolve(`error ${e.code ?? e.message}`));
        });
    for (let i = 0; i < count; i++) {
        const key = await one();
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

export interface RolloutCase {
    lab: LabStack;
    stack: string;
    /** The config the stack was opened with (the rollout's plan is checked against it). */
    config: Record<string, string>;
    entry: string;
    record: Record<string, unknown>;
    outcome: "promoted" | "rolled-back";
    sample: (count: number) => Promise<Record<string, number>>;
    newConnections?: boolean;
    /** Runs once Prometheus is reachable and the probe sends, before the first step. */
    beforeRollout?: (prom: PrometheusClient, stackConfig: LabConfig) => Promise<void>;
}

/**
 * `lab rollout` end to end: the plan 10 -> 50 -> 100, 30 s per step, judged on Prometheus's figures
 * while the probe sends 40 requests/s. A healthy candidate must be promoted with no failed request; a
 * bad one rolled back at the first step, after which v1 answers everything.
 */
export async function rolloutCase(c: RolloutCase): Promise<void> {
    const outputs = await stackOutputs(c.lab.stack);
    const stackConfig = loadStackConfig(c.stack, undefined, c.config);
    const plan = rolloutPlan(stackConfig, [10, 50, 100]);
    const prom = new PrometheusClient(String(outputs.prometheusUrl));
    const probe = new Probe({ url: c.entry, ratePerSecond: 40, durationS: 900, timeoutMs: 2000, maxInFlight: 200, newConnections: c.newConnections });
    const running = probe.run();
    await c.beforeRollout?.(prom, stackConfig);
    // lab watch beside it, from the same Prometheus, in plain lines (what `lab rollout --watch` shows when
    // stdout is no terminal): it must follow the steps as the stack file takes them.
    const watchLines: string[] = [];
    let rolloutEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (rolloutEnded = resolve));
    const watching = watch(c.stack, outputs, { interval: 2, window: 20, plain: true, until: ended, handleSignals: false, stacksDir: path.join(c.lab.scratchDir, "stacks"), write: (l) => watchLines.push(l) }, () =>
        stackOutputs(c.lab.stack),
    );
    const t0 = Date.now();
    const result = await runRollout({
        plan,
        thresholds: thresholdsFor(stackConfig, 20),
        stepWaitS: 30,
        pollS: 5,
        target: { apply: async (change, label) => void (await applyChange(c.lab.stack, change, label, true)) },
        health: (w) => readVersionHealth(prom, plan.candidateVersion, w),
    });
    probe.stop();
    rolloutEnded();
    await watching;
    const summary = await running;
    c.record.watch = watchLines;
    log(`lab watch beside it (${watchLines.length} lines), its last: ${watchLines[watchLines.length - 1]}`);
    const stepsSeen = [...new Set(watchLines.map((l) => / v2 \S+ \(set (\d+)%\)/.exec(l)?.[1]).filter((x): x is string => x !== undefined))];
    const prometheusFigures = watchLines.filter((l) => / v2 [\d.]+% \(set \d+%\) [\d.]+ req\/s err [\d.]+%/.test(l));
    assert.ok(prometheusFigures.length > 0, `lab watch showed v2's figures from Prometheus:\n${watchLines.slice(-5).join("\n")}`);
    // The stack file's weight as the view saw it change: up to 50 then 100, or from 10 back to 0.
    assert.deepEqual(stepsSeen.slice(-2), c.outcome === "promoted" ? ["50", "100"] : ["10", "0"], `lab watch followed the steps: ${stepsSeen.join(" -> ")}`);
    if (c.outcome === "rolled-back") {
        assert.ok(watchLines.some((l) => / event: rolled back: /.test(l)), `lab watch said the rollback:\n${watchLines.filter((l) => l.includes("event:")).join("\n")}`);
    }
    c.record.rollout = { outcome: result.outcome, seconds: seconds(t0), reasons: result.reasons, failedStep: result.failedStep?.share ?? null };
    recordProbe(c.record, summary);
    log(`rollout: ${result.outcome} in ${seconds(t0)} s: ${result.reasons.join("; ")}`);
    log(`probe: ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failures)}`);
    assert.equal(result.outcome, c.outcome);
    if (c.outcome === "rolled-back") {
        assert.equal(result.failedStep?.share, 10);
        assert.deepEqual(await c.sample(200), { v1: 200 }, "after the rollback every request goes to v1");
    } else {
        assert.equal(summary.failed, 0);
        assert.deepEqual(await c.sample(200), { v2: 200 });
    }
}

/** The `key=value` lines a build script prints (scripts/monitoring-images.sh, traefik-image.sh), from `variable`, as stack config. */
export function stackConfigFromEnv(variable: string): Record<string, string> {
    return Object.fromEntries(
        (process.env[variable] ?? "")
            .split(/\s+/)
            .filter((l) => l.includes("="))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
}

/** The monitoring images scripts/monitoring-images.sh built (E2E_MONITORING_IMAGES), as stack config. */
export const monitoringImagesFromEnv = (): Record<string, string> => stackConfigFromEnv("E2E_MONITORING_IMAGES");

export interface StackCase {
    name: string;
    stack: string;
    config: Record<string, string>;
    /** Where the case's figures go (written to E2E_RESULTS by the suite). */
    results: Record<string, unknown>[];
    /** What the first `up` does, for the log line. */
    firstUp: string;
    /** Runs right after the first `up` (e.g. to record memory). */
    afterFirstUp?: (record: Record<string, unknown>) => void;
    /** What of the lab is left in the engine; must be empty after destroy. */
    leftovers: () => string[];
    leftoversMessage: string;
    /** Runs after destroy, while the (empty) stack still exists. */
    afterDestroy?: (lab: LabStack) => Promise<void>;
}

/** up -> body (the change) -> an unchanged up -> destroy (always), with the figures recorded. */
export async function withStack(c: StackCase, body: (lab: LabStack, record: Record<string, unknown>) => Promise<void>): Promise<void> {
    const lab = await openLabStack({ stack: c.stack, config: c.config });
    const record: Record<string, unknown> = { case: c.name, stack: c.stack };
    try {
        record.up = await up(lab, c.firstUp);
        c.afterFirstUp?.(record);
        await body(lab, record);
        record.unchangedUp = await upUnchanged(lab);
    } finally {
        const t0 = Date.now();
        const result = await lab.stack.destroy({ color: "never" });
        record.destroyS = seconds(t0);
        log(`pulumi destroy: ${result.summary.result} in ${record.destroyS} s`);
        c.results.push(record);
        try {
            await c.afterDestroy?.(lab);
        } finally {
            lab.remove();
        }
        assert.deepEqual(c.leftovers(), [], c.leftoversMessage);
    }
}

/** `lab check` on a case's stack (its scratch project's stack file and state), each line logged. */
export async function labCheck(lab: LabStack, stack: string, step?: number, headerValue?: string): Promise<CheckReport> {
    const report = await runChecks(stack, lab.stack, { step, headerValue, stacksDir: path.join(lab.scratchDir, "stacks") });
    log(`lab check ${stack}${step === undefined ? "" : ` --step ${step}`}: ${report.ok ? "ok" : "FAILED"}`);
    for (const line of report.checks) {
        log(`  ${formatLine(line)}`);
    }
    return report;
}

/** Each check's status by name, for asserting a whole report at once: { entry: "pass", tasks: "fail" }. */
export function statuses(report: CheckReport): Record<string, string> {
    return Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
}

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

/** The lab's services, networks, configs, volumes and containers left in the engine. */
export function swarmLeftovers(): string[] {
    // Services and configs exist only in Swarm mode (the first `pulumi up` switches it on).
    const swarm = docker("info", "--format", "{{.Swarm.LocalNodeState}}") === "active";
    return [
        ...(swarm ? docker("service", "ls", "--format", "service {{.Name}}").split("\n") : []),
        ...docker("network", "ls", "--format", "network {{.Name}}").split("\n"),
        ...(swarm ? docker("config", "ls", "--format", "config {{.Name}}").split("\n") : []),
        ...docker("volume", "ls", "--format", "volume {{.Name}}").split("\n"),
        ...docker("ps", "-a", "--format", "container {{.Names}}").split("\n"),
    ].filter((l) => l.includes("rollout-lab"));
}
