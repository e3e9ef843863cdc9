import { strict as assert } from "assert";
import * as fs from "fs";
import MarkdownIt from "markdown-it";
import * as path from "path";
import { repoRoot } from "./support/pulumiHarness";

// The README, docs/ and lessons/ link to each other's files and headings: a moved section must not
// leave a link to nowhere.

const pages = ["README.md", ...["docs", "lessons", "toolchain", "monitoring"].flatMap((d) => fs.readdirSync(path.join(repoRoot, d)).filter((f) => f.endsWith(".md")).map((f) => `${d}/${f}`))];

/** GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -. */
function githubSlug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

function headingsOf(file: string): Set<string> {
    const tokens = new MarkdownIt().parse(fs.readFileSync(path.join(repoRoot, file), "utf8"), {});
    const seen = new Map<string, number>();
    const slugs = new Set<string>();
    tokens.forEach((t, i) => {
        if (t.type === "heading_open") {
            const text = tokens[i + 1].children?.filter((c) => c.type === "text" || c.type === "code_inline").map((c) => c.content).join("") ?? "";
            const slug = githubSlug(text);
            const n = seen.get(slug) ?? 0;
            seen.set(slug, n + 1);
            slugs.add(n === 0 ? slug : `${slug}-${n}`);
        }
    });
    return slugs;
}

function linksOf(file: string): string[] {
    const tokens = new MarkdownIt().parse(fs.readFileSync(path.join(repoRoot, file), "utf8"), {});
    return tokens.flatMap((t) => t.children ?? []).flatMap((c) => (c.type === "link_open" || c.type === "image" ? [String(c.attrGet(c.type === "image" ? "src" : "href") ?? "")] : []));
}

describe("docs: every relative link resolves", () => {
    it("slugs as GitHub makes them", () => {
        assert.equal(githubSlug("A machine's own settings (ROLLOUT_LAB_MACHINE_CONFIG)"), "a-machines-own-settings-rollout_lab_machine_config");
        assert.equal(githubSlug("The `lab` command: guided rollouts"), "the-lab-command-guided-rollouts");
        assert.equal(githubSlug("Traffic providers on Kubernetes"), "traffic-providers-on-kubernetes");
        assert.ok(linksOf("README.md").filter((l) => l.startsWith("docs/")).length >= 10, "the README's links are read");
    });

    for (const page of pages) {
        it(`${page}: its links to files and headings of the repo exist`, () => {
            const broken: string[] = [];
            for (const link of linksOf(page)) {
                if (/^[a-z]+:/i.test(link) || link === "") {
                    continue; // a URL: not fetched by a test
                }
                const [target, anchor] = link.split("#");
                const file = target === "" ? page : path.normalize(path.join(path.dirname(page), target));
                if (!fs.existsSync(path.join(repoRoot, file))) {
                    broken.push(`${link}: no file ${file}`);
                } else if (anchor !== undefined && file.endsWith(".md") && !headingsOf(file).has(anchor)) {
                    broken.push(`${link}: no heading #${anchor} in ${file}`);
                }
            }
            assert.deepEqual(broken, []);
        });
    }
});
