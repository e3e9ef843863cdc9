// `lab rollout --steps`: read the candidate shares a user types.
import { LabUsageError } from "../../components/plan";

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

