import { LabStack } from "../../tools/lib/workspace";
import { docker, log, withStack as withStackCase } from "./support";

// What the kind end-to-end suites share: the cluster's name and entry, what a stack may leave in the
// engine, the node containers' memory, and the config every case runs with.

export const entry = "http://127.0.0.1:8080/";
/** The cluster's name: kind.clusterName's default, or E2E_KIND_CLUSTER (CI names its own, so that a
 * cluster an interrupted run left is recognisably CI's and a user's `rollout-lab` is never touched). */
export const clusterName = process.env.E2E_KIND_CLUSTER || "rollout-lab";
export const baseImage = process.env.E2E_BASE_IMAGE ?? "rollout-lab/debian-base:bookworm";

export { docker };

export const volumes = (): string[] => docker("volume", "ls", "--format", "{{.Name}}").split("\n").filter(Boolean);

/** The lab cluster's node containers, and volumes that were not there before (`volumesBefore`), left in the engine. */
export function leftovers(volumesBefore: string[] = volumes()): string[] {
    const nodes = docker("ps", "-a", "--filter", `label=io.x-k8s.kind.cluster=${clusterName}`, "--format", "container {{.Names}}");
    const newVolumes = volumes().filter((v) => !volumesBefore.includes(v));
    return [...nodes.split("\n").filter(Boolean), ...newVolumes.map((v) => `volume ${v}`)];
}

/** Memory of each of the cluster's node containers, MiB, as docker stats reports it. */
export function nodeMemoryMiB(): Record<string, number> {
    const lines = docker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}").split("\n");
    const out: Record<string, number> = {};
    for (const line of lines.filter((l) => l.startsWith(`${clusterName}-`))) {
        const [name, used] = line.split(" ");
        const m = /^([\d.]+)([KMG]i?B)$/.exec(used);
        if (m) {
            const factor = { KiB: 1 / 1024, KB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 }[m[2]] ?? 1;
            out[name] = Math.round(Number(m[1]) * factor);
        }
    }
    return out;
}

export const share = (counts: Record<string, number>, version: string): number =>
    (100 * (counts[version] ?? 0)) / Object.values(counts).reduce((a, b) => a + b, 0);

/** The node image, pod network and privilege the environment gives (scripts/kind-node.sh on a machine with no registry). */
export function kindOverrides(): Record<string, string> {
    return {
        "rollout-lab:app.baseImage": baseImage,
        ...(clusterName !== "rollout-lab" ? { "rollout-lab:kind.clusterName": clusterName } : {}),
        ...(process.env.E2E_KIND_NODE_IMAGE ? { "rollout-lab:kind.nodeImage": process.env.E2E_KIND_NODE_IMAGE } : {}),
        ...(process.env.E2E_KIND_POD_NETWORK ? { "rollout-lab:kind.podNetwork": process.env.E2E_KIND_POD_NETWORK } : {}),
        ...(process.env.E2E_KIND_PRIVILEGED ? { "rollout-lab:kind.privileged": process.env.E2E_KIND_PRIVILEGED } : {}),
        // The app cases measure the app; a rollout case turns monitoring on.
        "rollout-lab:monitoring.enabled": "false",
    };
}

/** up -> body -> an unchanged up -> destroy, on a kind stack: the cluster goes with the stack, leaving nothing. */
export function withKindStack(
    results: Record<string, unknown>[],
    name: string,
    stack: string,
    config: Record<string, string>,
    body: (lab: LabStack, record: Record<string, unknown>) => Promise<void>,
): Promise<void> {
    const volumesBefore = volumes();
    return withStackCase(
        {
            name,
            stack,
            config: { ...kindOverrides(), ...config },
            results,
            firstUp: "first: cluster, images, app",
            afterFirstUp: (record) => {
                record.nodeMemoryMiB = nodeMemoryMiB();
                log(`node memory (MiB): ${JSON.stringify(record.nodeMemoryMiB)}`);
            },
            leftovers: () => leftovers(volumesBefore),
            leftoversMessage: "pulumi destroy deletes the cluster: no node container or volume left",
        },
        body,
    );
}
