// What a probe saw of one change (a canary weight step, a blue/green switch), in seconds from the command:
// the first sign of the new split, the moment from which it holds, the command's return, and the failed
// requests. Read from the probe's records (each request stamped when sent) after the run.
import { ProbeRecord } from "../../probe/summary";

export interface ChangeWindow {
    /** ms since the probe started: the command, and its return. */
    commandAtMs: number;
    returnedAtMs: number;
    /** The candidate's share (0-100) before and after the change. */
    fromShare: number;
    toShare: number;
    candidate: string;
    /** Windows over which a partial split is judged, and how far from the new share one may be. */
    windowMs?: number;
    tolerance?: number;
    /** How many windows in a row, to the end, make a partial split one that holds (3 by default). */
    minWindows?: number;
}

export interface ChangeFigures {
    /** Seconds from the command to the first answer only the new split gives (a switch: the first new-colour
     * answer; a weight step: the end of the first window nearer the new share than the old). */
    firstNewS: number | null;
    /** Seconds from the command to the moment from which every answer (a switch) or every window (a weight)
     * is the new split's, to the end of the records. */
    holdsS: number | null;
    returnS: number;
    requests: number;
    failed: number;
}

const answeredAt = (r: ProbeRecord) => r.sentAtMs + r.latencyMs;

export function changeFigures(records: readonly ProbeRecord[], w: ChangeWindow): ChangeFigures {
    const windowMs = w.windowMs ?? 1000;
    const tolerance = w.tolerance ?? 15;
    const after = records.filter((r) => r.sentAtMs >= w.commandAtMs).sort((a, b) => a.sentAtMs - b.sentAtMs);
    const answered = after.filter((r) => r.version !== undefined);
    const since = (ms: number | null) => (ms === null ? null : (ms - w.commandAtMs) / 1000);
    const switchTo = w.toShare === 100 || w.toShare === 0;
    const isNew = (r: ProbeRecord) => (w.toShare === 100 ? r.version === w.candidate : r.version !== w.candidate);

    let firstNew: number | null = null;
    let holds: number | null = null;
    if (switchTo && (w.fromShare === 0 || w.fromShare === 100)) {
        // A full switch: every answer is either old or new.
        const first = answered.find(isNew);
        firstNew = first === undefined ? null : answeredAt(first);
        const lastOld = [...answered].reverse().find((r) => !isNew(r));
        if (answered.length > 0 && isNew(answered[answered.length - 1])) {
            holds = lastOld === undefined ? (first === undefined ? null : answeredAt(first)) : lastOld.sentAtMs;
        }
    } else {
        const windows: { startMs: number; endMs: number; share: number }[] = [];
        const lastMs = answered.length === 0 ? w.commandAtMs : answered[answered.length - 1].sentAtMs;
        for (let start = w.commandAtMs; start + windowMs <= lastMs + 1; start += windowMs) {
            const inside = answered.filter((r) => r.sentAtMs >= start && r.sentAtMs < start + windowMs);
            if (inside.length === 0) continue;
            windows.push({ startMs: start, endMs: start + windowMs, share: (100 * inside.filter((r) => r.version === w.candidate).length) / inside.length });
        }
        const nearerNew = windows.find((x) => Math.abs(x.share - w.toShare) < Math.abs(x.share - w.fromShare));
        firstNew = nearerNew?.endMs ?? null;
        // The last run of matching windows, if it is long enough to say the split holds (3 windows).
        let from: number | null = null;
        let run = 0;
        for (const x of windows) {
            if (Math.abs(x.share - w.toShare) <= tolerance) {
                from ??= x.startMs;
                run++;
            } else {
                from = null;
                run = 0;
            }
        }
        holds = run >= (w.minWindows ?? 3) ? from : null;
    }
    return {
        firstNewS: since(firstNew),
        holdsS: since(holds),
        returnS: (w.returnedAtMs - w.commandAtMs) / 1000,
        requests: after.length,
        failed: after.filter((r) => r.error !== undefined).length,
    };
}

/** The median of some numbers (null for none). */
export function median(values: readonly number[]): number | null {
    if (values.length === 0) return null;
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
