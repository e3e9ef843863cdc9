import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { LabUsageError, strategies } from "../../../components/plan";
import { lessons, stepChange } from "./lessons";
import { replicaSplitOf } from "../../lib/stackFile";
import { loadStackConfig, readStackConfig, repoRoot } from "../../lib/stackFile";
import { configValue } from "./command";

const lessonText = (strategy: string) => fs.readFileSync(path.join(repoRoot, "lessons", `${strategy}.md`), "utf8");

describe("lessons: the Markdown and `lab check --step` agree", () => {
    it("one lesson per strategy, each with three steps, listed in lessons/README.md", () => {
        const index = fs.readFileSync(path.join(repoRoot, "lessons", "README.md"), "utf8");
        for (const strategy of strategies) {
            assert.equal(lessons[strategy].steps.length, 3, strategy);
            assert.ok(index.includes(`(${strategy}.md)`), `lessons/README.md links ${strategy}.md`);
        }
    });

    it("the steps each lesson sets, written down", () => {
        const values = (s: keyof typeof lessons) => lessons[s].steps.map((step) => step.set);
        assert.deepEqual(values("canary"), [{ "canary.weight": "10" }, { "canary.weight": "50" }, { "canary.weight": "0" }]);
        assert.deepEqual(values("bluegreen"), [{ "bluegreen.activeColor": "blue" }, { "bluegreen.activeColor": "green" }, { "bluegreen.activeColor": "blue" }]);
        assert.deepEqual(values("rolling"), [{ release: "stable" }, { release: "candidate" }, { release: "stable" }]);
        assert.deepEqual(values("recreate"), [{ release: "stable" }, { release: "candidate" }, { release: "stable" }]);
        assert.deepEqual(values("abtest"), [{ "abtest.value": "on" }, { "abtest.value": "beta" }, { "abtest.value": "on" }]);
        assert.deepEqual(values("shadow"), [{ "shadow.percent": "100" }, { "shadow.percent": "25" }, { "shadow.percent": "1" }]);
        assert.deepEqual(stepChange(lessons.canary, 2), { "rollout-lab:canary.weight": "50" });
    });

    for (const strategy of strategies) {
        const lesson = lessons[strategy];
        it(`${strategy}: ${lesson.swarmStack}'s stack file is at step 1, and the lesson runs each step's edit, up and check`, () => {
            for (const [key, value] of Object.entries(lesson.steps[0].set)) {
                // A key the file leaves out is at its default: the config the program reads.
                assert.equal(configValue(loadStackConfig(lesson.swarmStack), `rollout-lab:${key}`), value, `${lesson.swarmStack} ${key}`);
            }
            const text = lessonText(strategy);
            assert.ok(text.includes(`pulumi up -s ${lesson.swarmStack}`));
            assert.ok(text.includes(`pulumi destroy -s ${lesson.swarmStack}`), "a teardown");
            assert.ok(text.includes(lesson.kindStack), "names the kind stack");
            for (const step of lesson.steps) {
                assert.ok(text.includes(`npx lab check ${lesson.swarmStack} --step ${step.index}`), `step ${step.index}'s check`);
                // Step 1 too: a lesson done again starts from whatever the last run left in the stack file.
                for (const [key, value] of Object.entries(step.set)) {
                    assert.ok(text.includes(`pulumi config set --path ${key} ${value} -s ${lesson.swarmStack}`), `step ${step.index} sets ${key} ${value}`);
                }
            }
            // A laptop's lesson: nothing of a machine without registries; a teardown that removes the stack (keeping its file).
            assert.ok(!/^offline /m.test(text) && !text.includes("toolchain.sh"), "no build-machine step");
            assert.ok(text.includes(`pulumi stack rm ${lesson.swarmStack} --yes --preserve-config`), "the teardown removes the stack, keeping the stack file");
            assert.ok(!/^open /m.test(text), "`open` is macOS only");
            assert.ok(readStackConfig(lesson.swarmStack)["rollout-lab:platform"] === "swarm");
        });
    }

    it("every lesson step's config passes the checks on both of its stacks; the kind canary's steps need no resize", () => {
        for (const lesson of Object.values(lessons)) {
            for (const step of lesson.steps) {
                for (const stack of [lesson.swarmStack, lesson.kindStack]) {
                    assert.doesNotThrow(() => loadStackConfig(stack, undefined, stepChange(lesson, step.index)), `${stack} step ${step.index}`);
                }
            }
        }
        assert.deepEqual(
            lessons.canary.steps.map((s) => replicaSplitOf(loadStackConfig("kind-canary", undefined, stepChange(lessons.canary, s.index)))),
            ["10 pods: 9 stable + 1 candidate", "10 pods: 5 stable + 5 candidate", "10 pods: 10 stable + 0 candidate"],
        );
    });

    it("a step outside the lesson is a usage error naming the allowed steps", () => {
        assert.throws(() => stepChange(lessons.canary, 4), (e: Error) => e instanceof LabUsageError && e.message === '--step: got "4"; allowed: 1 to 3 (the canary lesson\'s steps)');
    });
});
