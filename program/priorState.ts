import { checkpointText } from "./crdState";

// What the stack's last update left, read by the program before it registers anything, where the stack's
// backend is a local folder (file://, the lab's own): a few milliseconds of reading a file the engine has
// already written. Nothing here decides what the update does; the engine still diffs every resource.

export interface PriorResource {
    urn: string;
    type: string;
    custom?: boolean;
    inputs?: Record<string, unknown>;
    deletedWith?: string;
    delete?: boolean;
    pendingReplacement?: boolean;
}

export interface PriorState {
    resources: PriorResource[];
    /** URNs an interrupted update left an operation pending on. */
    pending: Set<string>;
}

interface Checkpoint {
    checkpoint?: { latest?: { resources?: PriorResource[]; pending_operations?: { resource?: { urn?: string } }[] } };
}

/** The stack's last state from its checkpoint file; undefined where there is none or it cannot be read. */
export function readPriorState(file: string | undefined): PriorState | undefined {
    if (file === undefined) {
        return undefined;
    }
    try {
        const latest = (JSON.parse(checkpointText(file)) as Checkpoint).checkpoint?.latest;
        return {
            resources: latest?.resources ?? [],
            pending: new Set((latest?.pending_operations ?? []).map((op) => op.resource?.urn ?? "")),
        };
    } catch {
        return undefined; // unreadable: the program goes the way it would without it
    }
}

/**
 * The state's one resource of this type and name, where it is settled; undefined where there is no such
 * resource (or more than one), or it is marked for deletion, half replaced, or named by an operation an
 * interrupted update left pending.
 */
export function settledResource(state: PriorState | undefined, type: string, name: string): PriorResource | undefined {
    const found = (state?.resources ?? []).filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
    if (found.length !== 1) {
        return undefined;
    }
    const [r] = found;
    return r.delete === true || r.pendingReplacement === true || state?.pending.has(r.urn) ? undefined : r;
}

/** Whether every Kubernetes object in the state is deleted with the resource of this URN (components/platform: deletedWithCluster). */
export function kubernetesObjectsDeletedWith(state: PriorState, urn: string): boolean {
    return state.resources.every((r) => r.custom !== true || !r.type.startsWith("kubernetes:") || r.deletedWith === urn);
}
