import { strict as assert } from "assert";
import { keepPromiseStacksPlain } from "../program/promiseStacks";

// The SDK's promise stacks (debuggablePromise) skip the installed prepareStackTrace hook (source-map-support
// under ts-node); every other stack still goes through it. The real SDK function is called, so a release of
// @pulumi/pulumi that moves the capture elsewhere fails here rather than silently costing the time again.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };

describe("promiseStacks: the SDK's promise stacks are not source-mapped", () => {
    let saved: typeof Error.prepareStackTrace;
    beforeEach(() => {
        saved = Error.prepareStackTrace;
    });
    afterEach(() => {
        Error.prepareStackTrace = saved;
    });

    const promiseStack = () => {
        const p = Promise.resolve(1);
        void debuggable.debuggablePromise(p, "a test's promise");
        return (p as unknown as { _debugStackTrace: string })._debugStackTrace;
    };
    function elsewhere(): string {
        return new Error("boom").stack ?? "";
    }

    it("gives a debuggablePromise stack its top frame, unmapped, and hands every other stack to the installed hook", () => {
        Error.prepareStackTrace = () => "mapped by the hook";
        assert.equal(keepPromiseStacksPlain({}), true);
        const stack = promiseStack();
        assert.match(stack, /^Error\n {4}at (Object\.)?debuggablePromise \(.*[/\\]@pulumi[/\\]pulumi[/\\]runtime[/\\]debuggable\.js:\d+:\d+\)\n {4}\(the rest of this stack is kept where PULUMI_DEBUG_PROMISE_LEAKS is set\)$/);
        assert.equal(elsewhere(), "mapped by the hook");
    });

    it("changes nothing where PULUMI_DEBUG_PROMISE_LEAKS asks for those stacks", () => {
        Error.prepareStackTrace = () => "mapped by the hook";
        assert.equal(keepPromiseStacksPlain({ PULUMI_DEBUG_PROMISE_LEAKS: "true" }), false);
        assert.equal(promiseStack(), "mapped by the hook");
    });

    it("changes nothing where no hook is installed (plain Node), and wraps a hook only once", () => {
        const hookless = Error as { prepareStackTrace?: unknown };
        hookless.prepareStackTrace = undefined;
        assert.equal(keepPromiseStacksPlain({}), false);
        assert.equal(hookless.prepareStackTrace, undefined);
        Error.prepareStackTrace = () => "mapped by the hook";
        assert.equal(keepPromiseStacksPlain({}), true);
        const wrapped = Error.prepareStackTrace;
        assert.equal(keepPromiseStacksPlain({}), false);
        assert.equal(Error.prepareStackTrace, wrapped);
    });
});
