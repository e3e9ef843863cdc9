// Runs `lab watch` on a scratch project's stack (an e2e case's), in a terminal of the test's (a tmux pane):
// the same watch() and view as `npx lab watch`, pointed at the case's stack files and state.
//   node -r ts-node/register/transpile-only test/e2e/watchDriver.ts <scratchDir> <stack> [probeRate] [windowS]
import * as path from "path";
import { openLabStack } from "../../tools/lib/workspace";
import { stackOutputs } from "../../tools/lib/engine";
import { watch } from "../../tools/lab/watch/command";

async function main(): Promise<void> {
    const [scratchDir, stackName, rate, windowS] = process.argv.slice(2);
    const lab = await openLabStack({ stack: stackName, scratchDir });
    const outputs = await stackOutputs(lab.stack);
    await watch(stackName, outputs, { probe: rate === undefined ? undefined : Number(rate), interval: 0.5, window: Number(windowS ?? 5), stacksDir: path.join(scratchDir, "stacks") }, () => stackOutputs(lab.stack));
}

main().then(
    () => process.exit(0),
    (e: unknown) => {
        process.stderr.write(`watch driver: ${(e as Error).stack}\n`);
        process.exit(1);
    },
);
