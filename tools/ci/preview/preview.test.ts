import { strict as assert } from "assert";
import { changedStacks } from "./changedStacks";
import { COMMENT_MARKER, commentBody, fieldChanges } from "./comment";
import { PreviewResult, parseEvents, resourceKey } from "./previewStack";

// The pull-request preview's pieces that need no engine: which stacks a change touches, the CLI's
// streamed events read into a result, the field diff and the comment. The previews themselves run
// under the real engine in the CI tier `preview` (npm run preview -- run --all).

const stacks = ["kind-canary", "swarm-canary", "swarm-shadow"];

describe("pull-request previews", () => {
    it("preview a stack file's own stack, every stack for shared code, nothing for docs and tests", () => {
        assert.deepEqual(changedStacks(["stacks/Pulumi.swarm-canary.yaml", "README.md"], stacks), ["swarm-canary"]);
        assert.deepEqual(changedStacks(["components/plan/routing.ts"], stacks), stacks);
        assert.deepEqual(changedStacks(["policy/rules.ts"], stacks), stacks);
        // The composition root and the library that runs the program inline change every preview; the lab command does not.
        assert.deepEqual(changedStacks(["program/lab.ts"], stacks), stacks);
        assert.deepEqual(changedStacks(["tools/lib/workspace.ts"], stacks), stacks);
        assert.deepEqual(changedStacks(["tools/lab/compare/report.ts"], stacks), []);
        assert.deepEqual(changedStacks(["package-lock.json"], stacks), stacks);
        assert.deepEqual(changedStacks(["README.md", "test/policy.test.ts", "scripts/toolchain.sh", "lessons/canary.md"], stacks), []);
        // A deleted stack's file is no stack to preview.
        assert.deepEqual(changedStacks(["stacks/Pulumi.kind-gone.yaml"], stacks), []);
    });

    it("read the CLI's streamed events: planned inputs (secrets as [secret], the checkout as <repo>), policy findings, errors, counts", () => {
        const lines = [
            JSON.stringify({ sequence: 1, preludeEvent: { config: {} } }),
            JSON.stringify({
                sequence: 2,
                resourcePreEvent: {
                    metadata: {
                        op: "create",
                        urn: "urn:pulumi:swarm-canary::rollout-lab::rollout-lab:swarm:AppServices$docker:index/service:Service::demo-canary",
                        type: "docker:index/service:Service",
                        new: { inputs: { name: "lab-demo-canary", build: { context: "/src/lab/app" }, env: { TOKEN: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "[secret]" } } } },
                    },
                },
            }),
            JSON.stringify({ sequence: 3, policyEvent: { resourceUrn: "urn:pulumi:swarm-canary::rollout-lab::docker:index/container:Container::lab-edge", message: "Every image is pinned.\nlab-edge: image x:latest is not pinned\n", policyName: "pinned-image", enforcementLevel: "mandatory" } }),
            JSON.stringify({ sequence: 4, diagnosticEvent: { message: "a provider failed\n", severity: "error" } }),
            JSON.stringify({ sequence: 5, diagnosticEvent: { message: "just a warning\n", severity: "warning" } }),
            "not json",
            JSON.stringify({ sequence: 6, summaryEvent: { resourceChanges: { create: 25 }, result: "failed" } }),
        ];
        const r = parseEvents("swarm-canary", lines, "/src/lab");
        assert.deepEqual(r.resources, {
            "rollout-lab::rollout-lab:swarm:AppServices$docker:index/service:Service::demo-canary": {
                type: "docker:index/service:Service",
                name: "demo-canary",
                op: "create",
                // The checkout's path is <repo>: two checkouts of the same code compare equal.
                inputs: { name: "lab-demo-canary", build: { context: "<repo>/app" }, env: { TOKEN: "[secret]" } },
            },
        });
        assert.deepEqual(r.policy, [{ policy: "pinned-image", level: "mandatory", resource: "lab-edge", message: "lab-edge: image x:latest is not pinned" }]);
        assert.deepEqual(r.errors, ["a provider failed"]);
        assert.deepEqual(r.changes, { create: 25 });
        assert.equal(resourceKey("urn:pulumi:other-stack::rollout-lab::a$b::c"), "rollout-lab::a$b::c");
    });

    it("diff two revisions' inputs field by field, arrays by index", () => {
        assert.deepEqual(fieldChanges({ spec: { replicas: 3, selector: { a: "1" } }, args: ["x", "y"] }, { spec: { replicas: 4, selector: { a: "1", b: "2" } }, args: ["x"] }), [
            { path: "args[1]", before: "y", after: undefined },
            { path: "spec.replicas", before: 3, after: 4 },
            { path: "spec.selector.b", before: undefined, after: "2" },
        ]);
        assert.deepEqual(fieldChanges({ a: [1, 2] }, { a: [1, 2] }), []);
    });

    it("write one comment: a section per stack, its policy findings, the changed fields against the base", () => {
        const result = (over: Partial<PreviewResult>): PreviewResult => ({ stack: "swarm-canary", ok: true, exitCode: 0, seconds: 5, changes: { create: 2 }, resources: {}, policy: [], errors: [], ...over });
        const routingType = "pulumi-nodejs:dynamic/rollout-lab:EdgeRouting";
        const edge = (routing: string) => ({ [`rollout-lab::${routingType}::lab-edge-apply`]: { type: routingType, name: "lab-edge-apply", op: "create", inputs: { routing } } });
        const body = commentBody(
            [
                { stack: "swarm-canary", head: result({ resources: edge("candidate_percent 10\n") }), base: result({ resources: edge("candidate_percent 25\n") }) },
                { stack: "swarm-shadow", head: result({ stack: "swarm-shadow", ok: false, exitCode: 255, policy: [{ policy: "non-root", level: "mandatory", resource: "lab-edge", message: "lab-edge: runs as root" }] }) },
            ],
            { base: "def5678", head: "abc1234" },
        );
        assert.equal(
            body,
            [
                COMMENT_MARKER,
                "## rollout-lab: `pulumi preview` with the policy pack",
                "",
                "2 stacks previewed at `abc1234` against `def5678`: 1 failed (`swarm-shadow`).",
                "",
                "### `swarm-canary`: ✅ preview passed",
                "",
                "Resources (against an empty state): 2 create.",
                "",
                "**Against the base branch:** 0 added, 0 removed, 1 changed.",
                "",
                "| resource | field | base | this PR |",
                "|---|---|---|---|",
                '| pulumi-nodejs:dynamic/rollout-lab:EdgeRouting `lab-edge-apply` | `routing` | `"candidate_percent 25⏎"` | `"candidate_percent 10⏎"` |',
                "",
                "### `swarm-shadow`: ❌ preview failed",
                "",
                "Resources (against an empty state): 2 create.",
                "",
                "| policy | level | resource | finding |",
                "|---|---|---|---|",
                "| non-root | mandatory | `lab-edge` | lab-edge: runs as root |",
                "",
                "No base preview: the stack is new in this pull request, or the base branch could not preview it.",
                "",
            ].join("\n"),
        );
        assert.match(commentBody([]), /touches no stack and no shared code: nothing to preview/);
    });
});
