#!/usr/bin/env node
// The `lab` command (`npx lab …` in a clone after `npm ci`, or on PATH after `npm link`): runs
// tools/lab/cli.ts through ts-node, compiled without type-checking like the Pulumi program. ts-node hands
// the compiling to SWC (@swc/core, a dev dependency) where it is installed: every command compiles the
// lab's TypeScript afresh, 0.9 s of a 1.5 s `lab stacks` with TypeScript's own compiler, 0.1 s with SWC
// (2 cores). Without it, TypeScript's compiler does the same.
const path = require("path");
let swc = false;
try {
    require.resolve("@swc/core");
    swc = true;
} catch {
    // TypeScript's transpiler, as before.
}
require("ts-node").register({ transpileOnly: true, swc, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("./cli").main(process.argv);
