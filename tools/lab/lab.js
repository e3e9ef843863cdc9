#!/usr/bin/env node
// The `lab` command (`npx lab …` in a clone after `npm ci`, or on PATH after `npm link`): runs
// tools/lab/cli.ts through ts-node, compiled without type-checking like the Pulumi program.
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("./cli").main(process.argv);
