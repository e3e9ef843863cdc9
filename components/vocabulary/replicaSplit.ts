// What a weight means in pods where a router splits by replica ratio: pure arithmetic on the words of the
// floor below config and plan, so the config check and the plan ask the same function.

/** A replica split: how many pods of each release, and the total. */
export interface ReplicaSplit {
    total: number;
    stable: number;
    candidate: number;
}

/**
 * The replica split that gives `weight` exactly: the smallest total from `minTotal` to `maxTotal` of
 * which `weight` percent is a whole number of pods; undefined when none is (33% needs 100 pods). The
 * lab never rounds a weight: a student reads the stack file and the dashboard side by side.
 */
export function exactReplicaSplit(weight: number, minTotal: number, maxTotal: number): ReplicaSplit | undefined {
    for (let total = minTotal; total <= maxTotal; total++) {
        if ((total * weight) % 100 === 0) {
            const candidate = (total * weight) / 100;
            return { total, stable: total - candidate, candidate };
        }
    }
    return undefined;
}

/** The weights nearest `weight`, below and above, that a total from `minTotal` to `maxTotal` gives exactly. */
export function nearestExactWeights(weight: number, minTotal: number, maxTotal: number): [number, number] {
    const exact = (w: number) => exactReplicaSplit(w, minTotal, maxTotal) !== undefined;
    let below = weight - 1;
    while (below > 0 && !exact(below)) below--;
    let above = weight + 1;
    while (above < 100 && !exact(above)) above++;
    return [below, above];
}
