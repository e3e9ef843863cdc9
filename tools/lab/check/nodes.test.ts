import { strict as assert } from "assert";
import { checkNodes, labNodes } from "./nodes";

// The nodes line of `lab check`, from what kubectl answers for a cluster whose worker was stopped: the node
// controller has set its Ready condition to Unknown (its kubelet stopped posting status).

const nodes = JSON.stringify({
    items: [
        { metadata: { name: "lab-control-plane" }, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastTransitionTime: "2026-12-05T09:00:00Z" }] } },
        { metadata: { name: "lab-worker" }, status: { conditions: [{ type: "MemoryPressure", status: "Unknown" }, { type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", lastTransitionTime: "2026-12-05T10:00:00Z" }] } },
        { metadata: { name: "lab-worker2" }, status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastTransitionTime: "2026-12-05T09:00:10Z" }] } },
    ],
});
const pods = (...on: string[]) => JSON.stringify({ items: on.map((nodeName) => ({ spec: { nodeName } })) });

describe("lab check: the nodes the lab's pods are on", () => {
    it("names a node that is not Ready, since when and why, and the lab's pods on it; nodes without the lab's pods are left out", () => {
        const found = labNodes(nodes, pods("lab-worker", "lab-worker2", "lab-worker", "lab-worker2"));
        assert.deepEqual(found.map((n) => [n.name, n.ready, n.pods]), [["lab-worker", "Unknown", 2], ["lab-worker2", "True", 2]]);
        assert.deepEqual(checkNodes(found, new Date("2026-12-05T10:00:42Z")), {
            check: "nodes",
            status: "fail",
            measured: "lab-worker not Ready (Unknown, NodeStatusUnknown for 42 s), 2 of the lab's pods on it",
            expected: "every node the lab's pods are on Ready",
        });
    });

    it("passes when every node holding the lab's pods is Ready, counting them; a pod not placed yet counts nowhere", () => {
        const found = labNodes(nodes, JSON.stringify({ items: [{ spec: { nodeName: "lab-worker2" } }, { spec: {} }] }));
        assert.deepEqual(checkNodes(found), { check: "nodes", status: "pass", measured: "1 node Ready (lab-worker2: 1 pod)", expected: "every node the lab's pods are on Ready" });
    });
});
