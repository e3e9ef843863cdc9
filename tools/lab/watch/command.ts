// `lab watch <stack>`: a live view of one lab while it changes. Each reading (every --interval seconds) takes
// the stack file as it is now (so a `lab up` or `lab rollout` in another terminal shows as its step), the
// workloads' copies from the platform, and the traffic's figures over the last --window seconds: from the
// lab's Prometheus, or from the lab's own probe (--probe, and always when monitoring is off). Drawn by Ink
// on a terminal; one plain line per reading otherwise (or with --plain).
import { Command } from "commander";
import { RoutingSummary } from "../../../components/plan";
import { LabConfig } from "../../../components/config";
import { expectationsFrom } from "../check/check";
import { platformReaderFor } from "../check/command";
import { PlatformReader } from "../check/checkLive";
import { Probe } from "../../probe/probe";
import { PrometheusClient, readVersionHealth } from "../../lib/prometheus";
import { NoStackError, projectStack, stackOutputs } from "../../lib/engine";
import { loadStackConfig, stacksDir } from "../../lib/stackFile";
import { exitCodes, number, stackArg } from "../cliArgs";
import { WatchEvent, WatchFrame, eventsBetween, plainLine, probeFigures, routingWords, stepWords, versionRows } from "./model";
import { LiveView, startLiveView } from "./view";

export interface WatchOptions {
    /** Requests/s of the lab's own probe; the figures then come from it. */
    probe?: number;
    interval: number;
    window: number;
    /** Stop after this many seconds (default: until q, Ctrl-C or SIGTERM). */
    duration?: number;
    plain?: boolean;
    /** Stop when this settles (lab rollout --watch: the rollout's end). */
    until?: Promise<unknown>;
    /** Given a function that adds an event of the caller's to the view (lab rollout's steps and verdicts). */
    eventSink?: (push: (text: string) => void) => void;
    /** Where a plain line goes (default stdout). */
    write?: (line: string) => void;
    /** Where the stack files are (a scratch project's, for the e2e suite). */
    stacksDir?: string;
    /** Stop on SIGINT/SIGTERM (default); lab rollout handles its own signals. */
    handleSignals?: boolean;
}

const probeDefaultRate = 20;

export function watchCommand(): Command {
    return new Command("watch")
        .argument("<stack>")
        .description("a live view of one lab: the configured routing and the rollout's step, each version's share of answers against its weight, requests/s, errors, p95 latency, copies ready, and the last events")
        .option("--probe <rate>", `send the lab's own probe at this many requests/s and show its figures (always when monitoring is off: ${probeDefaultRate})`, number("probe", 1, 1000))
        .option("--interval <seconds>", "seconds between readings", number("interval", 0.25, 60), 1)
        .option("--window <seconds>", "seconds the figures are taken over", number("window", 2, 600), 10)
        .option("--duration <seconds>", "stop after this many seconds (default: until q or Ctrl-C)", number("duration", 1, 86400))
        .option("--plain", "one line per reading, even on a terminal (always when stdout is not one)")
        .addHelpText("after", `\nExit codes: ${exitCodes.ok} quit (q, Ctrl-C, SIGTERM or --duration), ${exitCodes.failed} the stack is not up, ${exitCodes.usage} bad usage or an unknown stack.`)
        .action(async (stackName: string, opts: WatchOptions) => {
            stackArg(stackName);
            loadStackConfig(stackName); // a bad stack file is a usage error before anything is read
            const stack = await projectStack(stackName, false, false);
            await watch(stackName, await stackOutputs(stack), opts, () => stackOutputs(stack));
        });
}

/** Runs the view until the user quits, the duration ends or a signal comes; resolves when all is closed. */
export async function watch(stackName: string, firstOutputs: Record<string, unknown>, opts: WatchOptions, readOutputs: () => Promise<Record<string, unknown>>): Promise<void> {
    let outputs = firstOutputs;
    if (outputs.entryUrl === undefined || outputs.routing === undefined) {
        throw new NoStackError(stackName);
    }
    const dir = opts.stacksDir ?? stacksDir;
    let config: LabConfig = loadStackConfig(stackName, dir);
    const entryUrl = `${String(outputs.entryUrl).replace(/\/$/, "")}/`;
    const useProbe = opts.probe !== undefined || !config.monitoring.enabled || outputs.prometheusUrl === undefined;
    const rate = opts.probe ?? probeDefaultRate;
    const sticky = expectationsFrom(config).sticky === true;
    const probe = useProbe
        ? new Probe({
              url: entryUrl,
              ratePerSecond: rate,
              durationS: Math.min(3600, opts.duration ?? 3600),
              timeoutMs: 2000,
              maxInFlight: Math.max(50, rate * 2),
              newConnections: expectationsFrom(config).perConnection,
              ...(sticky ? { users: Math.max(10, Math.min(200, rate * 2)) } : {}),
          })
        : undefined;
    const probeRun = probe?.run();
    const prom = useProbe ? undefined : new PrometheusClient(String(outputs.prometheusUrl));
    const source = useProbe ? `from the lab's probe (${rate} req/s${sticky ? ", simulated users" : ""})` : `from Prometheus (${String(outputs.prometheusUrl)})`;
    const reader: PlatformReader = platformReaderFor(config, outputs);
    const plain = opts.plain === true || process.stdout.isTTY !== true;
    const write = opts.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
    const view: LiveView | undefined = plain ? undefined : await startLiveView(reader.unit, source);
    if (plain) {
        write(`lab watch ${stackName}: ${source}, last ${opts.window} s, every ${opts.interval} s`);
    }

    let stopped = false;
    const stop = () => {
        stopped = true;
        view?.close();
    };
    const signals = opts.handleSignals !== false;
    if (signals) {
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
    }
    void view?.closed.then(stop);
    void opts.until?.then(stop, stop);
    const startedAt = Date.now();
    let previous: WatchFrame | undefined;
    const events: WatchEvent[] = [];
    opts.eventSink?.((text) => {
        events.push({ at: new Date(), text });
        if (view === undefined) {
            write(`${new Date().toISOString().slice(11, 19)} event: ${text}`);
        }
    });
    let readings = 0;
    try {
        while (!stopped && (opts.duration === undefined || Date.now() - startedAt < opts.duration * 1000)) {
            const tick = Date.now();
            const problems: string[] = [];
            try {
                config = loadStackConfig(stackName, dir);
            } catch (e) {
                problems.push(`the stack file (${(e as Error).message.split("\n")[0]}); showing its last good config`);
            }
            if (readings > 0 && readings % 15 === 0) {
                outputs = await readOutputs().catch((e: unknown) => (problems.push(`the stack's outputs: ${(e as Error).message.split("\n")[0]}`), outputs));
            }
            const expected = expectationsFrom(config);
            const workloads = (outputs.routing as RoutingSummary).workloads.map((w) => ({ name: w.name, version: w.version }));
            reader.refresh?.();
            const live = await reader.workloads(workloads).catch((e: unknown) => {
                problems.push(`the ${reader.unit}: ${(e as Error).message.split("\n")[0]}`);
                return undefined;
            });
            let frame: WatchFrame;
            const candidate = expected.releases.find((r) => r.role === "candidate");
            const common = {
                stack: stackName,
                at: new Date(),
                strategy: config.strategy,
                routing: routingWords(expected),
                step: stepWords(config.strategy, candidate?.share ?? 0, config.measure.steps),
                windowS: opts.window,
                problems,
            };
            if (probe !== undefined) {
                // Over the window, or the time the probe has run if shorter: its first readings are not diluted.
                const elapsed = probe.elapsedMs();
                const figures = probeFigures(probe.snapshot(), elapsed, Math.max(1, Math.min(opts.window * 1000, elapsed)));
                frame = { ...common, source: "probe", versions: versionRows(expected, live, { kind: "probe", figures, users: sticky ? 1 : 0 }), unattributedFailures: figures.failed };
            } else {
                const health = await Promise.all(expected.releases.map((r) => readVersionHealth(prom!, r.version, opts.window))).catch((e: unknown) => {
                    problems.push(`Prometheus: ${(e as Error).message.split("\n")[0]}`);
                    return [];
                });
                frame = { ...common, source: "prometheus", versions: versionRows(expected, live, { kind: "prometheus", health, windowS: opts.window }) };
            }
            const fresh = eventsBetween(previous, frame);
            events.push(...fresh);
            previous = frame;
            readings++;
            if (view !== undefined) {
                view.show(frame, events);
            } else {
                for (const e of fresh) {
                    write(`${e.at.toISOString().slice(11, 19)} event: ${e.text}`);
                }
                write(plainLine(frame));
            }
            await Promise.race([new Promise((r) => setTimeout(r, Math.max(0, opts.interval * 1000 - (Date.now() - tick)))), opts.until?.catch(() => undefined)].filter(Boolean));
        }
    } finally {
        if (signals) {
            process.removeListener("SIGINT", stop);
            process.removeListener("SIGTERM", stop);
        }
        view?.close();
        probe?.stop();
        await probeRun;
        reader.close();
    }
}
