// The same change done by hand, the way the source reports did it: with kubectl, on the objects the change
// touches. Taken from the cluster itself: the routing fields (Deployments' replicas, Services' selectors,
// HTTPRoutes' rules) read before and after the lab made the change; the hand method then patches back in
// what the lab's change wrote (`kubectl scale` / `kubectl patch`, as one would after editing the manifest).
import { Kubectl } from "../../lib/kubectl";

/** The routing fields of a namespace's objects, by "kind/name". */
export type RoutingFields = Record<string, unknown>;

interface Listed {
    items: { kind?: string; metadata: { name: string }; spec?: { replicas?: number; selector?: unknown; rules?: unknown } }[];
}

const FIELDS: Record<string, (spec: NonNullable<Listed["items"][number]["spec"]>) => unknown> = {
    deployment: (spec) => spec.replicas,
    service: (spec) => spec.selector,
    httproute: (spec) => spec.rules,
};

export async function routingFields(kubectl: Kubectl, namespace: string, kinds: readonly string[] = ["deployment", "service", "httproute"]): Promise<RoutingFields> {
    const out: RoutingFields = {};
    for (const kind of kinds) {
        const listed = JSON.parse(await kubectl("-n", namespace, "get", kind, "-o", "json").catch(() => '{"items":[]}')) as Listed;
        for (const item of listed.items) {
            out[`${kind}/${item.metadata.name}`] = FIELDS[kind](item.spec ?? {});
        }
    }
    return out;
}

export interface HandPatch {
    /** kubectl's arguments after `-n <namespace>`. */
    args: string[];
    /** For ordering: a Deployment scaled up goes before one scaled down (no capacity lost meanwhile). */
    grows: boolean;
}

/** The kubectl commands that turn `before` into `after` (only what differs), in the order to run them. */
export function handPatches(before: RoutingFields, after: RoutingFields): HandPatch[] {
    const patches: HandPatch[] = [];
    for (const [key, value] of Object.entries(after)) {
        const was = before[key];
        if (JSON.stringify(was) === JSON.stringify(value)) continue;
        const [kind, name] = key.split("/");
        if (kind === "deployment") {
            patches.push({ args: ["scale", key, `--replicas=${value}`], grows: Number(value) > Number(was ?? 0) });
        } else if (kind === "service") {
            patches.push({ args: ["patch", key, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/selector", value }])], grows: false });
        } else {
            patches.push({ args: ["patch", `${kind}/${name}`, "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/rules", value }])], grows: false });
        }
    }
    return patches.sort((a, b) => Number(b.grows) - Number(a.grows));
}
