// A lesson's Markdown as the shell script a student types: its ```sh blocks in order, for the e2e tier
// that follows lessons/README.md and each lesson literally (test/e2e/lessons.test.ts).
//
// Two conventions of the lessons are read here, nothing else:
// - a block right after a paragraph starting "In a second terminal" runs in the background while the
//   next block runs, and is waited for after it;
// - a command line ending in `# fails: "<text>"` must exit 1 and print <text>; every other line must
//   succeed (the script runs under `set -euo pipefail`).
import MarkdownIt from "markdown-it";

export interface LessonBlock {
    /** The heading the block is under ("Step 2: raise v2 to 50%"). */
    section: string;
    code: string;
    background: boolean;
}

export function lessonBlocks(markdown: string): LessonBlock[] {
    const tokens = new MarkdownIt().parse(markdown, {});
    const blocks: LessonBlock[] = [];
    let section = "";
    let lastParagraph = "";
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t.type === "heading_open") {
            section = tokens[i + 1].content;
            lastParagraph = "";
        } else if (t.type === "paragraph_open") {
            lastParagraph = tokens[i + 1].content;
        } else if (t.type === "fence" && t.info.trim() === "sh") {
            blocks.push({ section, code: t.content, background: /^In a second terminal/.test(lastParagraph) });
            lastParagraph = "";
        }
    }
    return blocks;
}

const expectedFailure = /^(.*\S)\s+#\s*fails:\s*"([^"]+)".*$/;

/** One block's lines, with each `# fails: "..."` line turned into a call of the script's `expect_fail`. */
function blockLines(code: string): string[] {
    return code.split("\n").map((line) => {
        const m = expectedFailure.exec(line);
        return m ? `expect_fail ${shellQuote(m[2])} ${m[1]}` : line;
    });
}

export function shellQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The bash script for `blocks` (the setup's, then a lesson's): each block announced with its section,
 * background blocks started with their output in a file and waited for after the next block.
 */
export function lessonScript(blocks: LessonBlock[]): string {
    const out = [
        "set -euo pipefail",
        "expect_fail() { # expect_fail TEXT COMMAND...: COMMAND must exit 1 and print TEXT",
        '    { set +x; } 2>/dev/null # no trace of the captured output (it is printed once, below)',
        '    local text="$1" rc=0 out; shift',
        '    echo "+ $*"',
        '    out="$("$@" 2>&1)" || rc=$?',
        '    printf "%s\\n" "$out"',
        '    if [ "$rc" -ne 1 ]; then echo "LESSON: expected exit code 1, got $rc: $*"; return 1; fi',
        '    if [[ "$out" != *"$text"* ]]; then echo "LESSON: expected the output to say \\"$text\\": $*"; return 1; fi',
        "    set -x",
        "}",
    ];
    let pending: string | undefined;
    blocks.forEach((b, i) => {
        out.push(`echo ${shellQuote(`=== lesson block ${i + 1} (${b.section})${b.background ? ", in the background" : ""}`)}`);
        if (b.background) {
            out.push(`( set -x\n${blockLines(b.code).join("\n")}\n) >/tmp/rollout-lab-lesson-bg-${i}.$$ 2>&1 &`, `bg_${i}=$!`);
            pending = `wait "$bg_${i}"; echo ${shellQuote(`=== lesson block ${i + 1}'s output`)}; cat /tmp/rollout-lab-lesson-bg-${i}.$$; rm -f /tmp/rollout-lab-lesson-bg-${i}.$$`;
            return;
        }
        out.push("set -x", ...blockLines(b.code), "{ set +x; } 2>/dev/null");
        if (pending) {
            out.push(pending);
            pending = undefined;
        }
    });
    if (pending) out.push(pending);
    out.push("echo '=== lesson done'");
    return out.join("\n") + "\n";
}
