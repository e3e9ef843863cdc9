import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CrossProblem, crossFieldProblems } from "./crossChecks";
import { LabConfig, labConfigSchema, resolveDefaults } from "./schema";
import { Platform, Strategy, TrafficProvider, configNamespace } from "../vocabulary";
import { withMachineConfig } from "./machineConfig";

export { configNamespace };

/** One thing wrong with the stack config: the key, the value given and what is allowed. */
export interface ConfigProblem {
    key: string;
    given: string;
    allowed: string;
}

/** One problem as every message of the lab says it: "<key>: got <value>; allowed: <what is>". */
export function problemText(p: ConfigProblem): string {
    return `${p.key}: got ${p.given}; allowed: ${p.allowed}`;
}

/**
 * Thrown before any resource is registered; lists every problem at once. A RunError, so Pulumi shows the
 * message without a stack trace: the problem is in the stack file, not in the program.
 */
export class LabConfigError extends pulumi.RunError {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Invalid ${configNamespace} stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${problemText(p)}`).join("\n"),
        );
        this.name = "LabConfigError";
    }
}

// Keys whose values are plain strings; every other key holds JSON (a boolean, a number or an object).
const stringKeys = new Set(["platform", "strategy", "traffic", "namespace", "release", "renderYamlTo"]);

/**
 * Turns Pulumi's flat config map (`rollout-lab:key` -> string) into the raw object the schema checks.
 * Values that are not valid JSON are kept as strings, so the schema reports their type.
 */
export function rawConfigFromPulumi(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${configNamespace}:`;
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.slice(prefix.length);
        raw[key] = stringKeys.has(key) ? value : parseJsonOrKeep(value);
    }
    return raw;
}

function parseJsonOrKeep(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/**
 * Settings a machine, not a stack, decides, taken from the environment where the stack file is silent:
 * ROLLOUT_LAB_MACHINE_CONFIG names a file of such settings (machineConfig.ts);
 * ROLLOUT_LAB_KIND_NODE_IMAGE sets kind.nodeImage, ROLLOUT_LAB_KIND_POD_NETWORK kind.podNetwork; KIND_EXPERIMENTAL_NO_SYS_RESOURCE=1 (the patched
 * kind's own switch) sets kind.privileged to false. Stack config always wins.
 */
export function withEnvironmentDefaults(given: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
    const raw = withMachineConfig(given, env);
    const kind = raw.kind;
    if (kind !== undefined && (kind === null || typeof kind !== "object" || Array.isArray(kind))) {
        return raw; // the schema reports it
    }
    const merged: Record<string, unknown> = { ...((kind as Record<string, unknown> | undefined) ?? {}) };
    if (merged.nodeImage === undefined && env.ROLLOUT_LAB_KIND_NODE_IMAGE) {
        merged.nodeImage = env.ROLLOUT_LAB_KIND_NODE_IMAGE;
    }
    if (merged.podNetwork === undefined && env.ROLLOUT_LAB_KIND_POD_NETWORK) {
        merged.podNetwork = env.ROLLOUT_LAB_KIND_POD_NETWORK;
    }
    if (merged.privileged === undefined && env.KIND_EXPERIMENTAL_NO_SYS_RESOURCE === "1") {
        merged.privileged = false;
    }
    return Object.keys(merged).length === 0 && kind === undefined ? raw : { ...raw, kind: merged };
}

/**
 * What only the routers know, asked by the parse (the config knows no router; components/routers/configRules.ts
 * answers): the router a stack gets when it names none, and what the stack's router cannot do.
 */
export interface RouterRules {
    defaultTraffic(platform: Platform, strategy: Strategy): TrafficProvider;
    problems(raw: Record<string, unknown>): CrossProblem[];
}

/**
 * Validates the raw config and returns the typed config, or throws one LabConfigError listing every problem.
 * The lab's parse with its routers' rules is components/labConfig's parseLabConfig.
 */
export function parseStackConfig(raw: Record<string, unknown>, rules: RouterRules): LabConfig {
    const result = labConfigSchema.safeParse(raw);
    const problems = [
        ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, raw))),
        ...[...rules.problems(raw), ...crossFieldProblems(raw)].map((p) => ({ ...p, key: `${configNamespace}:${p.key}` })),
    ];
    if (!result.success || problems.length > 0) {
        throw new LabConfigError(problems);
    }
    return resolveDefaults(result.data, rules.defaultTraffic);
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): ConfigProblem[] {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
        const allowedKeys = keysAt(path).join(", ");
        return issue.keys.map((k) => ({
            key: keyName([...path, k]),
            given: show(valueAt(raw, [...path, k])),
            allowed: `no such key; keys here: ${allowedKeys}`,
        }));
    }
    const given = valueAt(raw, path);
    const allowed =
        issue.code === "invalid_type" && issue.expected === "object" && path.length === 1 && path[0] === "monitoring"
            ? `true, false, or an object with keys ${keysAt(path).join(", ")}`
            : allowedText(issue, given);
    return [{ key: keyName(path), given: given === undefined ? "nothing (missing)" : show(given), allowed }];
}

function allowedText(issue: z.core.$ZodIssue, given: unknown): string {
    switch (issue.code) {
        case "invalid_value":
            return issue.values.map((v) => String(v)).join(", ");
        case "invalid_type":
            if (given === undefined) {
                return `required (${issue.expected})`;
            }
            return issue.expected === "int" ? "a whole number" : issue.expected === "object" ? "an object" : `a ${issue.expected}`;
        case "too_big":
            return `at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
        case "too_small":
            return `at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
        case "invalid_union":
            return "a whole number >= 0 or a percentage such as \"25%\"";
        default:
            return issue.message;
    }
}

function keyName(path: string[]): string {
    if (path.length === 0) {
        return `${configNamespace} (the whole config)`;
    }
    return `${configNamespace}:${path.join(".")}`;
}

function valueAt(raw: unknown, path: string[]): unknown {
    let v: unknown = raw;
    for (const p of path) {
        if (v === null || typeof v !== "object") {
            return undefined;
        }
        v = (v as Record<string, unknown>)[p];
    }
    return v;
}

function show(v: unknown): string {
    return v === undefined ? "nothing" : JSON.stringify(v);
}

/** The keys the schema accepts at a path, for "no such key" messages. */
function keysAt(path: string[]): string[] {
    let schema: z.ZodType = labConfigSchema;
    for (const p of [...path, ""]) {
        schema = unwrap(schema);
        if (!(schema instanceof z.ZodObject)) {
            return [];
        }
        if (p === "") {
            return Object.keys(schema.shape);
        }
        schema = schema.shape[p] as z.ZodType;
    }
    return [];
}

/** The object schema under defaults, optionals and preprocessing. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s = schema;
    for (;;) {
        if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
            s = s.unwrap() as z.ZodType;
        } else if (s instanceof z.ZodPipe) {
            s = s.out as z.ZodType;
        } else {
            return s;
        }
    }
}
