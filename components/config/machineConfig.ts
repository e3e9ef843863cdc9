// Settings a machine decides rather than a stack, from a file: where images come from when no registry
// does (scripts/monitoring-images.sh and scripts/kind-node.sh print these lines). A stack file and its
// lessons stay as a laptop runs them; `export ROLLOUT_LAB_MACHINE_CONFIG=<file>` adapts every stack on
// that machine. Stack config always wins.
import * as fs from "fs";
import { configNamespace } from "../vocabulary";

/** "kind.loadImages[0]" -> ["kind", "loadImages", 0]: a `pulumi config set --path` key's segments. */
export function pathSegments(pathKey: string): (string | number)[] {
    return pathKey.split(".").flatMap((part) => {
        const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
        if (!m) {
            return [part];
        }
        const indices = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
        return [m[1], ...indices];
    });
}

export interface MachineSetting {
    path: (string | number)[];
    value: unknown;
}

/** The file's `rollout-lab:<path>=<value>` lines (# comments and blank lines skipped); a bad line throws naming file and line. */
export function parseMachineConfig(text: string, file: string): MachineSetting[] {
    const prefix = `${configNamespace}:`;
    return text.split("\n").flatMap((line, i) => {
        const t = line.trim();
        if (t === "" || t.startsWith("#")) {
            return [];
        }
        const eq = t.indexOf("=");
        if (!t.startsWith(prefix) || eq <= prefix.length) {
            throw new Error(`${file}:${i + 1}: got ${JSON.stringify(t)}; allowed: ${prefix}<key>=<value> lines, e.g. ${prefix}app.baseImage=rollout-lab/debian-base:bookworm`);
        }
        const text = t.slice(eq + 1);
        // As `pulumi config set --path` stores it: true, false and numbers typed, anything else a string.
        const value = text === "true" ? true : text === "false" ? false : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
        return [{ path: pathSegments(t.slice(prefix.length, eq)), value }];
    });
}

/** `raw` with each setting filled in where the stack says nothing at its path. */
export function withMachineSettings(raw: Record<string, unknown>, settings: MachineSetting[]): Record<string, unknown> {
    const out = structuredClone(raw);
    for (const { path, value } of settings) {
        let node: Record<string | number, unknown> = out;
        let blocked = false;
        path.forEach((segment, i) => {
            if (blocked) {
                return;
            }
            if (i === path.length - 1) {
                if (node[segment] === undefined) {
                    node[segment] = value;
                }
                return;
            }
            if (node[segment] === undefined) {
                node[segment] = typeof path[i + 1] === "number" ? [] : {};
            }
            const next = node[segment];
            if (next === null || typeof next !== "object") {
                blocked = true; // the stack set a plain value here: it wins, and the schema judges it
                return;
            }
            node = next as Record<string | number, unknown>;
        });
    }
    return out;
}

/** The machine's settings from ROLLOUT_LAB_MACHINE_CONFIG, applied under `raw`; `raw` itself when it is unset. */
export function withMachineConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
    const file = env.ROLLOUT_LAB_MACHINE_CONFIG;
    if (!file) {
        return raw;
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`ROLLOUT_LAB_MACHINE_CONFIG: cannot read ${file}: ${(e as Error).message}`);
    }
    return withMachineSettings(raw, parseMachineConfig(text, file));
}
