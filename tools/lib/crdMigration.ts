// A stack brought up before the CRD files became one resource each (rollout-lab:CrdBundle) holds them as
// `kubernetes:yaml:ConfigFile` components with a resource per object. Left alone, the next `up` would create
// the bundle and then delete those resources, and with them the CRDs and every Gateway and route in the
// cluster. So before an update the lab takes them out of the stack's state, changing nothing in the
// cluster; the bundle then takes the objects over (server-side apply with --force-conflicts).
import * as automation from "@pulumi/pulumi/automation";
import { CONFIG_FILE, checkpointHasConfigFiles, localBackendDir, localCheckpoint } from "../../program/crdState";

interface StateResource {
    urn: string;
    type: string;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    deletedWith?: string;
}

interface Deployment {
    resources?: StateResource[];
    pending_operations?: { resource: { urn: string } }[];
}

/** The deployment without its ConfigFile components and everything under them, and no reference left to them. */
export function withoutConfigFileCrds<T extends Deployment>(deployment: T): { deployment: T; removed: string[] } {
    const resources = deployment.resources ?? [];
    const gone = new Set(resources.filter((r) => r.type === CONFIG_FILE).map((r) => r.urn));
    // Children come after their parents in a deployment; walk until nothing more is found.
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of resources) {
            if (r.parent !== undefined && gone.has(r.parent) && !gone.has(r.urn)) {
                gone.add(r.urn);
                grew = true;
            }
        }
    }
    if (gone.size === 0) return { deployment, removed: [] };
    const kept = resources
        .filter((r) => !gone.has(r.urn))
        .map((r) => {
            const next: StateResource = { ...r };
            if (r.dependencies !== undefined) next.dependencies = r.dependencies.filter((d) => !gone.has(d));
            if (r.propertyDependencies !== undefined) {
                next.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, ds]) => [k, ds.filter((d) => !gone.has(d))]));
            }
            if (r.deletedWith !== undefined && gone.has(r.deletedWith)) delete next.deletedWith;
            return next;
        });
    const pending = deployment.pending_operations?.filter((op) => !gone.has(op.resource.urn));
    return {
        deployment: { ...deployment, resources: kept, ...(pending !== undefined ? { pending_operations: pending } : {}) },
        removed: resources.filter((r) => gone.has(r.urn)).map((r) => r.urn),
    };
}

/** The stack's checkpoint file where its backend is a local folder (file://), else undefined. */
export async function checkpointFile(stack: automation.Stack): Promise<string | undefined> {
    const workspace = stack.workspace as automation.LocalWorkspace;
    // Pulumi.yaml's backend is read from the workspace's folder where neither environment names one.
    const dir = localBackendDir(workspace.workDir, { ...process.env, ...workspace.envVars });
    return dir === undefined ? undefined : localCheckpoint(dir, (await workspace.projectSettings()).name, stack.name);
}

/**
 * Takes the old shape out of the stack's state when it has it: found by reading a local backend's
 * checkpoint (a few milliseconds), or by exporting the stack where the backend is not a local folder.
 * Returns the URNs taken out (none for a stack already in the new shape, or not yet created).
 */
export async function migrateCrdConfigFiles(stack: automation.Stack, say: (line: string) => void): Promise<string[]> {
    const file = await checkpointFile(stack).catch(() => undefined);
    if (file !== undefined && !checkpointHasConfigFiles(file)) return [];
    let exported: automation.Deployment;
    try {
        exported = await stack.exportStack();
    } catch {
        return []; // no state yet
    }
    const { deployment, removed } = withoutConfigFileCrds((exported.deployment ?? {}) as Deployment);
    if (removed.length === 0) return [];
    await stack.importStack({ ...exported, deployment });
    const files = removed.filter((u) => u.split("::")[2]?.split("$").pop() === CONFIG_FILE).map((u) => u.slice(u.lastIndexOf("::") + 2));
    say(
        `lab: took the CRD files ${files.join(", ")} (${removed.length} resources) out of ${stack.name}'s state, changing nothing in the cluster: ` +
            "from this update on, one rollout-lab:CrdBundle per file applies them",
    );
    return removed;
}
