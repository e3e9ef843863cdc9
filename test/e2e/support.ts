import { strict as assert } from "assert";
import * as http from "http";
import { Probe } from "../../tools/probe/probe";
import { ProbeSummary } from "../../tools/probe/summary";
import { LabStack } from "../../tools/lab/workspace";

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
