// lab-probe: a steady request rate at the lab's entry point; live per-second lines on stderr, a JSON
// summary on stdout. Send SIGUSR1 to mark a change (or use --mark-after).
import { Command, InvalidArgumentError } from "commander";
import { Probe } from "./probe";

function positive(name: string, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0 || n > max) {
            throw new InvalidArgumentError(`${name}: got "${value}"; allowed: a number above 0, at most ${max}`);
        }
        return n;
    };
}

function header(value: string, previous: Record<string, string>): Record<string, string> {
    const i = value.indexOf(":");
    if (i <= 0) {
        throw new InvalidArgumentError(`header: got "${value}"; allowed: "Name: value"`);
    }
    return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}

/** The probe's command: `npm run probe` runs it alone, `lab probe` as a subcommand. */
export function probeCommand(name = "lab-probe"): Command {
    return new Command(name)
    .description("Send a steady request rate at a URL and report the version mix, failures and the error window.")
    .argument("[url]", "where to send requests", "http://127.0.0.1:8080/")
    .option("-r, --rate <perSecond>", "requests per second", positive("rate", 5000), 50)
    .option("-d, --duration <seconds>", "how long to send", positive("duration", 3600), 30)
    .option("-t, --timeout <ms>", "per-request timeout", positive("timeout", 60000), 2000)
    .option("--max-in-flight <n>", "requests in flight at most", positive("max-in-flight", 10000), 256)
    .option("-H, --header <header>", 'extra request header, "Name: value" (repeatable)', header, {})
    .option("--mark-after <seconds>", "mark a change this many seconds in", positive("mark-after", 3600))
    .option("--old-version <version>", "the version a marked change moves away from (default: the one answering most before the mark)")
    .option("--new-connections", "a new TCP connection per request (to measure a per-connection balancer such as kube-proxy)")
    .option("--users <n>", "simulate n users, each with its own cookies and connection: the summary gives the share of users per version and the flip rate", positive("users", 10000))
    .option("-q, --quiet", "no per-second lines")
    .action(async (url: string, opts) => {
        const probe = new Probe({
            url,
            ratePerSecond: opts.rate,
            durationS: opts.duration,
            timeoutMs: opts.timeout,
            maxInFlight: opts.maxInFlight,
            headers: opts.header,
            oldVersion: opts.oldVersion,
            newConnections: opts.newConnections === true,
            users: opts.users === undefined ? undefined : Math.round(opts.users),
            onSecond: opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        process.on("SIGUSR1", () => {
            probe.mark();
            process.stderr.write("  -- change marked --\n");
        });
        process.on("SIGINT", () => probe.stop());
        if (opts.markAfter !== undefined) {
            setTimeout(() => {
                probe.mark();
                process.stderr.write("  -- change marked --\n");
            }, opts.markAfter * 1000).unref();
        }
        if (!opts.quiet) {
            process.stderr.write(`probing ${url} at ${opts.rate}/s for ${opts.duration}s\n`);
        }
        const summary = await probe.run();
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}

if (require.main === module) {
    probeCommand()
        .parseAsync(process.argv)
        .catch((e: unknown) => {
            process.stderr.write(`lab-probe: ${(e as Error).message}\n`);
            process.exit(1);
        });
}
