import * as path from "path";

// @pulumi/pulumi keeps `new Error().stack` on every promise it makes (runtime/debuggable.js,
// debuggablePromise), for one use: the list of leaked promises it prints at exit when
// PULUMI_DEBUG_PROMISE_LEAKS is set. Reading `.stack` runs Error.prepareStackTrace, and where the program
// runs through ts-node (the `lab` command, `pulumi up` of the TypeScript project) that is
// source-map-support's, which maps every frame back to the TypeScript source. A CPU profile of a
// no-change `lab up kind-canary-traefik` (25 resources): 0.24 s of the program's 0.7 s before its first
// step went to mapping those promise stacks, and 0.05 s to the resources' own source positions
// (docs/lab-command.md). Those promise stacks get their top frame only, unmapped, here; every other stack, a resource's
// source position and an error's stack included, is mapped as before.

/** The file and function whose stacks are only read for PULUMI_DEBUG_PROMISE_LEAKS. */
const promiseStackFile = path.join("@pulumi", "pulumi", "runtime", "debuggable.js");
const promiseStackFunction = "debuggablePromise";

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;

let installed: PrepareStackTrace | undefined;

/** True for a stack captured by the SDK's debuggablePromise (its top frame is that function, in that file). */
export function isPromiseDebugStack(frames: readonly NodeJS.CallSite[]): boolean {
    const top = frames[0];
    if (top === undefined) return false;
    const file = top.getFileName() ?? "";
    return top.getFunctionName() === promiseStackFunction && file.endsWith(path.sep + promiseStackFile);
}

/** A short text for such a stack: its top frame, and where the rest is to be had. */
export function shortStack(error: Error, frames: readonly NodeJS.CallSite[]): string {
    const head = error.message === "" ? error.name : `${error.name}: ${error.message}`;
    return `${head}\n    at ${String(frames[0])}\n    (the rest of this stack is kept where PULUMI_DEBUG_PROMISE_LEAKS is set)`;
}

/**
 * Gives the SDK's promise stacks a short unmapped text instead of the installed hook's (source-map-support's),
 * leaving every other stack to that hook. Nothing is changed where no hook is installed (plain Node), where
 * PULUMI_DEBUG_PROMISE_LEAKS asks for those stacks, or where this already ran. Returns whether it installed.
 */
export function keepPromiseStacksPlain(env: NodeJS.ProcessEnv = process.env): boolean {
    const current = Error.prepareStackTrace as PrepareStackTrace | undefined;
    if (current === undefined || current === installed || env.PULUMI_DEBUG_PROMISE_LEAKS) return false;
    const mapped = current;
    installed = (error, frames) => (isPromiseDebugStack(frames) ? shortStack(error, frames) : mapped(error, frames));
    Error.prepareStackTrace = installed;
    return true;
}
