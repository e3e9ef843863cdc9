import * as http from "http";
import { ProbeRecord, ProbeSummary, secondLine, summarize } from "./summary";

export interface ProbeOptions {
    url: string;
    /** Requests per second, sent on a fixed schedule whatever the answers (an open loop). */
    ratePerSecond: number;
    /** How long to send, in seconds. */
    durationS: number;
    /** A request with no answer after this long counts as a timeout. */
    timeoutMs: number;
    /** At most this many requests in flight; one more due is counted as `overload`, not sent. */
    maxInFlight: number;
    headers?: Record<string, string>;
    /** Send `headers` on this share of requests only (0..1, evenly spread), e.g. an A/B test group of half the users. */
    headerShare?: number;
    /** The version a marked change moves away from; by default the one answering most before the mark. */
    oldVersion?: string;
    /** Called with one line per second. */
    onSecond?: (line: string) => void;
    /**
     * A new TCP connection per request (`Connection: close`) instead of kept-alive ones. A balancer that
     * picks a backend per connection, as kube-proxy does for a NodePort, then spreads requests, not
     * connections: the way to measure a replica-ratio split.
     */
    newConnections?: boolean;
    /**
     * Simulate this many users: request i is user i mod `users`'s, each user with a cookie jar (what
     * the lab's answers set, sent back) and a connection of their own, so the summary can say what share
     * of users saw each version and how many saw more than one (UserFigures).
     */
    users?: number;
}

/** One simulated user: the cookies their answers set, and their own connection. */
interface User {
    cookies: Map<string, string>;
    agent: http.Agent;
}

/** Which kind of failure a socket error is. */
function errorKind(e: NodeJS.ErrnoException): string {
    switch (e.code) {
        case "ECONNREFUSED":
            return "refused";
        case "ECONNRESET":
        case "EPIPE":
            return "reset";
        case "ETIMEDOUT":
            return "timeout";
        default:
            return e.message === "socket hang up" ? "reset" : "other";
    }
}

/**
 * A steady request rate at one URL, recording per request the version that answered or the failure.
 * Bounded by count (rate x duration) and time (duration + the request timeout).
 */
export class Probe {
    private readonly records: ProbeRecord[] = [];
    private readonly agent: http.Agent;
    private started = 0;
    private markedAtMs?: number;
    private inFlight = 0;
    private stopped = false;
    private readonly users: User[];

    constructor(private readonly options: ProbeOptions) {
        if (!(options.ratePerSecond > 0 && options.ratePerSecond <= 5000)) {
            throw new Error(`rate: got ${options.ratePerSecond}; allowed: more than 0, at most 5000 per second`);
        }
        if (!(options.durationS > 0 && options.durationS <= 3600)) {
            throw new Error(`duration: got ${options.durationS}; allowed: more than 0, at most 3600 seconds`);
        }
        if (options.headerShare !== undefined && !(options.headerShare >= 0 && options.headerShare <= 1)) {
            throw new Error(`header share: got ${options.headerShare}; allowed: a number from 0 to 1`);
        }
        if (options.users !== undefined && !(Number.isInteger(options.users) && options.users >= 1 && options.users <= 10000)) {
            throw new Error(`users: got ${options.users}; allowed: a whole number from 1 to 10000`);
        }
        this.agent = new http.Agent({ keepAlive: !options.newConnections, maxSockets: options.maxInFlight });
        this.users = Array.from({ length: options.users ?? 0 }, () => ({
            cookies: new Map<string, string>(),
            agent: new http.Agent({ keepAlive: !options.newConnections, maxSockets: 4 }),
        }));
    }

    /** Marks the moment of a change (a `pulumi up`, a colour switch) for the time-to-last-old figure. */
    mark(): void {
        this.markedAtMs = Date.now() - this.started;
    }

    /** The records so far (requests still in flight are not in it yet): for watching a change settle. */
    snapshot(): readonly ProbeRecord[] {
        return this.records.slice();
    }

    /** ms since the probe started (0 before it did). */
    elapsedMs(): number {
        return this.started === 0 ? 0 : Date.now() - this.started;
    }

    /** Ends the run early; requests in flight still finish. */
    stop(): void {
        this.stopped = true;
    }

    async run(): Promise<ProbeSummary> {
        const { ratePerSecond, durationS } = this.options;
        const total = Math.round(ratePerSecond * durationS);
        const pending: Promise<void>[] = [];
        this.started = Date.now();
        let sent = 0;
        let reportedSecond = 0;
        while (sent < total && !this.stopped) {
            const elapsed = Date.now() - this.started;
            const due = Math.min(total, Math.floor((elapsed * ratePerSecond) / 1000) + 1);
            while (sent < due) {
                pending.push(this.send(sent * (1000 / ratePerSecond), this.headersFor(sent), this.users.length > 0 ? sent % this.users.length : undefined));
                sent++;
            }
            // Report each second once the requests sent in it have had their timeout to finish.
            const settledSecond = Math.floor((elapsed - this.options.timeoutMs) / 1000);
            while (reportedSecond < settledSecond) {
                this.options.onSecond?.(secondLine(reportedSecond, this.records));
                reportedSecond++;
            }
            await new Promise((r) => setTimeout(r, Math.max(1, Math.min(20, 1000 / ratePerSecond))));
        }
        await Promise.all(pending);
        const lastSecond = Math.ceil((Date.now() - this.started) / 1000);
        for (; reportedSecond < lastSecond && reportedSecond < Math.ceil(durationS); reportedSecond++) {
            this.options.onSecond?.(secondLine(reportedSecond, this.records));
        }
        this.agent.destroy();
        this.users.forEach((u) => u.agent.destroy());
        return summarize(this.records, {
            url: this.options.url,
            ratePerSecond,
            durationS,
            markedAtMs: this.markedAtMs,
            oldVersion: this.options.oldVersion,
        });
    }

    /** Request i gets the headers when the running count of the share steps up at i: exactly `share` of them, spread evenly. */
    private headersFor(i: number): Record<string, string> | undefined {
        const share = this.options.headerShare ?? 1;
        return Math.floor((i + 1) * share) > Math.floor(i * share) ? this.options.headers : undefined;
    }

    /** `sentAtMs` is the request's slot in the schedule; the loop sends it within a few ms of that. */
    private send(sentAtMs: number, headers: Record<string, string> | undefined, userIndex?: number): Promise<void> {
        const who = userIndex === undefined ? {} : { user: userIndex };
        if (this.inFlight >= this.options.maxInFlight) {
            this.records.push({ sentAtMs, latencyMs: 0, error: "overload", ...who });
            return Promise.resolve();
        }
        const user = userIndex === undefined ? undefined : this.users[userIndex];
        this.inFlight++;
        const t0 = Date.now();
        return new Promise<void>((resolve) => {
            let done = false;
            const finish = (record: Omit<ProbeRecord, "sentAtMs" | "latencyMs">) => {
                if (!done) {
                    done = true;
                    this.inFlight--;
                    this.records.push({ sentAtMs, latencyMs: Date.now() - t0, ...record, ...who });
                    resolve();
                }
            };
            const sent = { ...headers, ...(this.options.newConnections ? { Connection: "close" } : {}), ...(user !== undefined ? cookieHeader(user.cookies, headers?.Cookie) : {}) };
            const req = http.get(this.options.url, { agent: user?.agent ?? this.agent, headers: sent, timeout: this.options.timeoutMs }, (res) => {
                if (user !== undefined) {
                    keepCookies(user.cookies, res.headers["set-cookie"]);
                }
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => (body += chunk));
                res.on("error", (e) => finish({ error: errorKind(e) }));
                res.on("end", () => {
                    if (res.statusCode !== 200) {
                        return finish({ error: `http-${res.statusCode}` });
                    }
                    let version = res.headers["x-app-version"] as string | undefined;
                    try {
                        version = (JSON.parse(body) as { version?: string }).version ?? version;
                    } catch {
                        // Not the demo app's JSON: keep the header, if any.
                    }
                    finish({ version: version ?? "unknown" });
                });
            });
            req.on("timeout", () => {
                finish({ error: "timeout" });
                req.destroy();
            });
            req.on("error", (e) => finish({ error: errorKind(e) }));
        });
    }
}

/** The Cookie header a user sends: their jar, after any cookie the probe was told to send. */
function cookieHeader(jar: Map<string, string>, given: string | undefined): Record<string, string> {
    const fromJar = [...jar].map(([name, value]) => `${name}=${value}`);
    const all = [...(given !== undefined ? [given] : []), ...fromJar];
    return all.length > 0 ? { Cookie: all.join("; ") } : {};
}

/** Keeps what a response's Set-Cookie headers set (name=value; attributes are not needed here). */
export function keepCookies(jar: Map<string, string>, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
        const pair = line.split(";")[0];
        const i = pair.indexOf("=");
        if (i > 0) {
            jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
        }
    }
}
