// Which stacks a pull request touches, from the files it changes: a stack file is its own stack; a
// change to code or settings every stack runs (the program, its components, monitoring, the app, the
// policy pack, the packages, the project file, the preview tooling and its workflow) is every stack;
// anything else (documentation, tests, build scripts) previews nothing.

/** Paths (prefixes end in /) whose change previews every stack. */
export const SHARED_PATHS = [
    "index.ts",
    "program/",
    "components/",
    "monitoring/",
    "app/",
    "policy/",
    "package.json",
    "package-lock.json",
    "Pulumi.yaml",
    "tsconfig.json",
    "tsconfig.pulumi.json",
    "tools/ci/preview/",
    "tools/lib/",
    ".github/workflows/preview.yml",
];

export function changedStacks(files: string[], stacks: string[]): string[] {
    const shared = files.some((f) => SHARED_PATHS.some((p) => (p.endsWith("/") ? f.startsWith(p) : f === p)));
    if (shared) return [...stacks].sort();
    const touched = files.map((f) => /^stacks\/Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined && stacks.includes(s));
    return [...new Set(touched)].sort();
}
