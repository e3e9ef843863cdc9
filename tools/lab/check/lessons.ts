// The classroom lessons' steps (lessons/<strategy>.md), one list per strategy: what each step sets in the
// stack config. `lab check <stack> --step N` checks the stack's config against these and the live lab
// against the config they make; the lessons' Markdown shows the same commands (test/lessons.test.ts).
import { ConfigChange, Strategy, configNamespace } from "../../../components/plan";
import { LabUsageError } from "../../../components/plan";

export interface LessonStep {
    /** 1-based. */
    index: number;
    title: string;
    /** Path keys without the namespace ("canary.weight") and the value `pulumi config set --path` is given. */
    set: Record<string, string>;
}

export interface Lesson {
    strategy: Strategy;
    /** The Swarm stack the lesson walks through, and the kind stack that shows the same on Kubernetes. */
    swarmStack: string;
    kindStack: string;
    steps: LessonStep[];
}

const steps = (...list: [string, Record<string, string>][]): LessonStep[] => list.map(([title, set], i) => ({ index: i + 1, title, set }));

export const lessons: Record<Strategy, Lesson> = {
    recreate: {
        strategy: "recreate",
        swarmStack: "swarm-recreate",
        kindStack: "kind-recreate",
        steps: steps(["bring up v1", { release: "stable" }], ["release v2: every copy at once", { release: "candidate" }], ["roll back to v1", { release: "stable" }]),
    },
    rolling: {
        strategy: "rolling",
        swarmStack: "swarm-rolling",
        kindStack: "kind-rolling",
        steps: steps(["bring up v1", { release: "stable" }], ["release v2: one copy at a time", { release: "candidate" }], ["roll back to v1", { release: "stable" }]),
    },
    bluegreen: {
        strategy: "bluegreen",
        swarmStack: "swarm-bluegreen",
        kindStack: "kind-bluegreen",
        steps: steps(["bring up blue (v1) live, green (v2) idle", { "bluegreen.activeColor": "blue" }], ["switch to green", { "bluegreen.activeColor": "green" }], ["roll back to blue", { "bluegreen.activeColor": "blue" }]),
    },
    canary: {
        strategy: "canary",
        swarmStack: "swarm-canary",
        kindStack: "kind-canary",
        steps: steps(["bring up: 10% to v2", { "canary.weight": "10" }], ["raise v2 to 50%", { "canary.weight": "50" }], ["roll back: 0% to v2", { "canary.weight": "0" }]),
    },
    abtest: {
        strategy: "abtest",
        swarmStack: "swarm-abtest",
        kindStack: "kind-abtest-traefik",
        steps: steps(
            ["bring up: X-Canary: on goes to v2", { "abtest.value": "on" }],
            ["change the group: X-Canary: beta goes to v2", { "abtest.value": "beta" }],
            ["roll back to the first group", { "abtest.value": "on" }],
        ),
    },
    shadow: {
        strategy: "shadow",
        swarmStack: "swarm-shadow",
        kindStack: "kind-shadow-traefik",
        steps: steps(
            ["bring up: v1 answers, every request copied to v2", { "shadow.percent": "100" }],
            ["copy a quarter of the requests", { "shadow.percent": "25" }],
            ["back off: copy 1% (the least shadow.percent allows)", { "shadow.percent": "1" }],
        ),
    },
};

export function lessonFor(strategy: Strategy): Lesson {
    return lessons[strategy];
}

/** The config a lesson's step N asks for, by full path key (every step names all the keys its lesson moves). */
export function stepChange(lesson: Lesson, step: number): ConfigChange {
    if (!Number.isInteger(step) || step < 1 || step > lesson.steps.length) {
        throw new LabUsageError("--step", JSON.stringify(String(step)), `1 to ${lesson.steps.length} (the ${lesson.strategy} lesson's steps)`);
    }
    return Object.fromEntries(Object.entries(lesson.steps[step - 1].set).map(([k, v]) => [`${configNamespace}:${k}`, v]));
}
