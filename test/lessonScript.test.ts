import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { lessonBlocks, lessonScript } from "./support/lessonScript";

// The reader the lessons e2e tier runs the lessons' Markdown with: which blocks, in which order, in the
// background or not, and what a `# fails: "..."` line demands, run in real bash.

const sample = `# A lesson

## Step 1: up

Some words.

\`\`\`sh
echo one
\`\`\`

- a list item with \`inline code\`

## Step 2: change

In a second terminal, probe while it runs:

\`\`\`sh
sleep 0.2; echo probed
\`\`\`

\`\`\`sh
echo two
\`\`\`

\`\`\`yaml
not: a shell block
\`\`\`

## Teardown

\`\`\`sh
sh -c 'echo "no deployment here"; exit 1'   # fails: "no deployment"
\`\`\`
`;

const bash = (script: string) => spawnSync("bash", ["-c", script], { encoding: "utf8" });

describe("lesson scripts: the lessons' shell blocks as the e2e tier runs them", () => {
    it("takes the sh blocks in order with their section, the one after 'In a second terminal' in the background", () => {
        assert.deepEqual(lessonBlocks(sample), [
            { section: "Step 1: up", code: "echo one\n", background: false },
            { section: "Step 2: change", code: "sleep 0.2; echo probed\n", background: true },
            { section: "Step 2: change", code: "echo two\n", background: false },
            { section: "Teardown", code: `sh -c 'echo "no deployment here"; exit 1'   # fails: "no deployment"\n`, background: false },
        ]);
    });

    it("runs them: the background block waited for after the next one, a marked failure accepted", () => {
        const r = bash(lessonScript(lessonBlocks(sample)));
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const lines = r.stdout.split("\n");
        const at = (text: string) => lines.indexOf(text);
        assert.ok(at("one") >= 0 && at("two") > at("one"), r.stdout);
        assert.ok(at("probed") > at("two"), "the background block's output comes after the block it ran beside");
        assert.ok(at("no deployment here") > at("probed"));
        assert.equal(lines.filter((l) => l === "=== lesson done").length, 1);
    });

    it("fails when a marked line succeeds, or fails without saying what the mark says", () => {
        const succeeds = bash(lessonScript([{ section: "Teardown", code: 'true   # fails: "no deployment"\n', background: false }]));
        assert.equal(succeeds.status, 1);
        assert.match(succeeds.stdout, /LESSON: expected exit code 1, got 0: true/);
        const saysOther = bash(lessonScript([{ section: "Teardown", code: 'sh -c "echo gone; exit 1"   # fails: "no deployment"\n', background: false }]));
        assert.equal(saysOther.status, 1);
        assert.match(saysOther.stdout, /LESSON: expected the output to say "no deployment"/);
        const exit2 = bash(lessonScript([{ section: "Teardown", code: 'sh -c "echo no deployment; exit 2"   # fails: "no deployment"\n', background: false }]));
        assert.equal(exit2.status, 1, "exit code 2 (a usage error) is not the check failing");
    });

    it("stops at the first unmarked command that fails", () => {
        const r = bash(lessonScript([{ section: "Step 1", code: "echo before\nfalse\necho after\n", background: false }]));
        assert.notEqual(r.status, 0);
        assert.match(r.stdout, /before/);
        assert.doesNotMatch(r.stdout, /after|lesson done/);
    });
});
