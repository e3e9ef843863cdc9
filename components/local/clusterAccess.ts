import type * as pulumi from "@pulumi/pulumi";

// How the lab's own resources reach the cluster with kubectl, beside the Kubernetes provider: a blue/green
// switch's wait (serviceSwitch.ts) and the CRD files (crdBundle.ts).

/** The kubeconfig's text (a secret: kind's admin key), or a kubeconfig file and context (kubectl's defaults where absent). */
export interface ClusterAccess {
    kubeconfig?: pulumi.Input<string>;
    kubeconfigFile?: string;
    context?: string;
}

/** The lab's cluster as its own resources see it. */
export interface LabCluster {
    /** How kubectl reaches it; none when the program renders manifests. */
    access?: ClusterAccess;
    /** What identifies it (kind: when the cluster was made; else the kubeconfig and context): a new cluster applies again. */
    id: pulumi.Input<string>;
    /** Render mode: the folder the Kubernetes provider writes manifests to. */
    renderTo?: string;
}

/** A cluster reached through a kubeconfig file and context (kubectl's defaults where absent), as a LabCluster. */
export function existingCluster(kubeconfigFile: string | undefined, context: string | undefined): LabCluster {
    return { access: { kubeconfigFile, context }, id: `${kubeconfigFile ?? "default kubeconfig"}|${context ?? "current context"}` };
}

/** kubectl's arguments for `access` resolved inside a provider, with the kubeconfig's text written to a file that `done` removes. */
export function kubectlAccess(access: { kubeconfig?: string; kubeconfigFile?: string; context?: string }, prefix: string): { args: string[]; done: () => void } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("fs") as typeof import("fs");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const os = require("os") as typeof import("os");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require("path") as typeof import("path");
    const dir = access.kubeconfig === undefined ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const file = dir === undefined ? access.kubeconfigFile : path.join(dir, "kubeconfig");
    if (dir !== undefined && file !== undefined) fs.writeFileSync(file, access.kubeconfig ?? "", { mode: 0o600 });
    return {
        args: [...(file ? ["--kubeconfig", file] : []), ...(access.context ? ["--context", access.context] : [])],
        done: () => {
            if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
