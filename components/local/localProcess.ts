// What the lab's own resources (kind clusters, image builds and loads) run on this machine. Pulumi
// serializes a dynamic provider's functions with everything they capture and runs them in its own
// process, so these functions reach Node's modules through `require` and capture nothing else.

export interface LocalRun {
    /** Text written to the program's standard input. */
    input?: string;
    /** Variables added to this process's environment. */
    env?: Record<string, string>;
    /** Kill the program after this long. */
    timeoutMs?: number;
}

/**
 * Runs `file args` without a shell and resolves with its standard output; rejects naming the command,
 * its exit status and the end of its standard error. Asynchronous, so one provider process serves
 * several resources at once (two image builds, say) instead of one after the other.
 */
export function runLocal(file: string, args: string[], options: LocalRun = {}): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const childProcess = require("child_process") as typeof import("child_process");
    return new Promise((resolve, reject) => {
        const child = childProcess.spawn(file, args, { env: { ...process.env, ...(options.env ?? {}) }, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill("SIGTERM")), options.timeoutMs);
        // A command that exits before reading its input (kind get ...) makes writing it fail with EPIPE: its
        // exit status says how it went.
        child.stdin.on("error", () => undefined);
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(new Error(`${file} ${args.join(" ")}: ${e.message}`));
        });
        child.on("close", (status) => {
            clearTimeout(timer);
            if (status === 0) {
                resolve(Buffer.concat(out).toString("utf8"));
                return;
            }
            const stderr = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-15).join("\n");
            const why = timedOut ? `killed after ${options.timeoutMs} ms` : `exited ${status}`;
            reject(new Error(`${file} ${args.join(" ")} ${why}${stderr ? `:\n${stderr}` : ""}`));
        });
        child.stdin.end(options.input ?? "");
    });
}

/** The input keys whose values differ between two property bags (the fields a preview shows changing). */
export function changedKeys(olds: object, news: object, keys: readonly string[]): string[] {
    const value = (o: object, k: string) => JSON.stringify((o as Record<string, unknown>)[k] ?? null);
    return keys.filter((k) => value(olds, k) !== value(news, k));
}

/**
 * A provider for a step that runs on create and again whenever one of `keys` changes, and that has
 * nothing of its own to undo on delete (loading images, applying routing, waiting for a rollout).
 * `apply` may return outputs to add to the inputs.
 */
export function reapplyingProvider<T extends object>(
    keys: readonly string[],
    idOf: (inputs: T) => string,
    apply: (inputs: T) => Promise<Record<string, unknown> | void>,
): import("@pulumi/pulumi").dynamic.ResourceProvider<T, T> {
    return {
        async diff(_id, olds, news) {
            return { changes: changedKeys(olds, news, keys).length > 0 };
        },
        async create(inputs) {
            return { id: idOf(inputs), outs: { ...inputs, ...((await apply(inputs)) ?? {}) } };
        },
        async update(_id, _olds, news) {
            return { outs: { ...news, ...((await apply(news)) ?? {}) } };
        },
        async delete() {},
    };
}
