// `lab check`'s nodes line (Kubernetes): the nodes the lab's pods are placed on, and whether each is Ready.
// A stopped node keeps its pods in the API, Running, until the node controller gives up on it; this line
// names it, since when and why, and the lab's pods on it — what a student needs to tell a node gone from a
// bad release.
import { z } from "zod";
import { CheckLine } from "./check";

export interface LabNode {
    name: string;
    /** The node's Ready condition: "True", "False" or "Unknown" (its kubelet stopped posting status). */
    ready: string;
    /** When the condition last changed (RFC 3339), and the kubelet's or controller's reason. */
    since?: string;
    reason?: string;
    /** The lab's pods placed on it. */
    pods: number;
}

const nodeList = z.object({
    items: z.array(
        z.object({
            metadata: z.object({ name: z.string() }),
            status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), lastTransitionTime: z.string().optional() })).optional() }).optional(),
        }),
    ),
});
const podList = z.object({ items: z.array(z.object({ spec: z.object({ nodeName: z.string().optional() }) })) });

/** The nodes the app's pods are on, from `kubectl get nodes -o json` and the namespace's app pods' list. */
export function labNodes(nodesJson: string, podsJson: string): LabNode[] {
    const perNode = new Map<string, number>();
    for (const p of podList.parse(JSON.parse(podsJson)).items) {
        if (p.spec.nodeName !== undefined) {
            perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
        }
    }
    return nodeList
        .parse(JSON.parse(nodesJson))
        .items.filter((n) => perNode.has(n.metadata.name))
        .map((n) => {
            const ready = n.status?.conditions?.find((c) => c.type === "Ready");
            return { name: n.metadata.name, ready: ready?.status ?? "Unknown", since: ready?.lastTransitionTime, reason: ready?.reason, pods: perNode.get(n.metadata.name)! };
        });
}

/** Passes when every node holding the lab's pods is Ready; otherwise names each that is not. */
export function checkNodes(nodes: LabNode[], now: Date = new Date()): CheckLine {
    const down = nodes.filter((n) => n.ready !== "True");
    const ago = (since?: string) => (since === undefined ? "" : ` for ${Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000))} s`);
    return {
        check: "nodes",
        status: down.length === 0 ? "pass" : "fail",
        measured:
            down.length === 0
                ? `${nodes.length} node${nodes.length === 1 ? "" : "s"} Ready (${nodes.map((n) => `${n.name}: ${n.pods} pod${n.pods === 1 ? "" : "s"}`).join(", ")})`
                : down.map((n) => `${n.name} not Ready (${n.ready}${n.reason !== undefined ? `, ${n.reason}` : ""}${ago(n.since)}), ${n.pods} of the lab's pods on it`).join("; "),
        expected: "every node the lab's pods are on Ready",
    };
}
