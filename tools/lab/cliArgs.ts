// The lab CLI's argument parsers and exit codes: every bad value names the option, the value and what is allowed.
import { InvalidArgumentError } from "commander";
import { distance } from "fastest-levenshtein";
import { LabUsageError } from "../../components/plan";
import { knownStacks } from "../lib/stackFile";

/** Exit codes: 0 done (promoted), 1 failed, 2 bad usage or config, 3 rolled back. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, rolledBack: 3, interrupted: 130 } as const;

export const err = (s: string) => process.stderr.write(s);

export function number(name: string, min: number, max: number) {
    return (value: string): number => {
        const n = Number(value);
        if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
            throw new InvalidArgumentError(`${name}: got "${value}"; allowed: a number from ${min} to ${max}`);
        }
        return n;
    };
}

/** `--config rollout-lab:a.b=value`, collected into one map; the schema checks the values later. */
export function configPair(pair: string, previous: Record<string, string>): Record<string, string> {
    const eq = pair.indexOf("=");
    if (eq <= 0 || !pair.startsWith("rollout-lab:")) {
        throw new InvalidArgumentError(`config: got "${pair}"; allowed: rollout-lab:<key>=<value>, e.g. rollout-lab:canary.weight=25`);
    }
    return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

/**
 * `lab up --set`: a stack file value by path, with or without the rollout-lab: prefix
 * ("canary.weight=50"); the stack's config with it is checked by the schema where it is used.
 */
export function setPair(pair: string, previous: Record<string, string> = {}): Record<string, string> {
    const eq = pair.indexOf("=");
    const key = eq <= 0 ? "" : pair.slice(0, eq);
    const colon = key.indexOf(":");
    if (key === "" || (colon >= 0 && key.slice(0, colon) !== "rollout-lab") || key.endsWith(":")) {
        throw new InvalidArgumentError(`set: got "${pair}"; allowed: <key>=<value> of the lab's config (rollout-lab: may lead), e.g. canary.weight=50`);
    }
    return { ...previous, [colon >= 0 ? key : `rollout-lab:${key}`]: pair.slice(eq + 1) };
}

/**
 * A stack name from stacks/; an unknown one is refused with the nearest names (by edit distance, at most
 * a third of the name changed) rather than all of them.
 */
export function stackArg(stack: string): string {
    const known = knownStacks();
    if (!known.includes(stack)) {
        const near = known
            .map((name) => ({ name, d: distance(stack, name) }))
            .filter((c) => c.d <= Math.max(2, Math.floor(c.name.length / 3)))
            .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
            .slice(0, 3)
            .map((c) => c.name);
        const hint = near.length > 0 ? `did you mean ${near.join(" or ")}? ` : "";
        throw new LabUsageError("stack", `"${stack}"`, `${hint}one of the ${known.length} stacks in stacks/ (\`npx lab stacks\` lists them)`);
    }
    return stack;
}

/** `--steps 10,25,50,100`: whole percentages from 1 to 100, each above the one before. */
export function parseSteps(text: string, option = "--steps"): number[] {
    const parts = text.split(",").map((p) => p.trim());
    const allowed = "a comma-separated list of whole numbers from 1 to 100, each above the one before, such as 10,25,50,100";
    const steps = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    const ok = steps.length > 0 && steps.every((s, i) => Number.isInteger(s) && s >= 1 && s <= 100 && (i === 0 || s > steps[i - 1]));
    if (!ok) {
        throw new LabUsageError(option, JSON.stringify(text), allowed);
    }
    return steps;
}
