// kubectl against a lab's cluster, for the commands that read it (lab check, the preflight of lab up):
// the kubeconfig file and context given (kubectl's defaults where unset), each failure naming the command.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

/** Which cluster: a kubeconfig file and a context; kubectl's defaults ($KUBECONFIG, the current context) where unset. */
export interface KubectlAccess {
    kubeconfigFile?: string;
    /** A kubeconfig's content (a kind stack's output): written to a private temporary file, used before kubeconfigFile. */
    kubeconfig?: string;
    context?: string;
}

/** Runs kubectl with these arguments against the cluster; resolves with its stdout, rejects naming the command and kubectl's message. */
export type Kubectl = (...args: string[]) => Promise<string>;

/** A Kubectl for one cluster; close() removes the temporary kubeconfig file, if it wrote one. */
export type ClusterKubectl = Kubectl & { close(): void };

export function kubectlFor(access: KubectlAccess, timeoutMs = 30_000): ClusterKubectl {
    let kubeconfigFile = access.kubeconfigFile;
    let dir: string | undefined;
    if (access.kubeconfig !== undefined) {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-kubeconfig-"));
        kubeconfigFile = path.join(dir, "kubeconfig");
        fs.writeFileSync(kubeconfigFile, access.kubeconfig, { mode: 0o600 });
    }
    const base = [...(kubeconfigFile !== undefined ? ["--kubeconfig", kubeconfigFile] : []), ...(access.context !== undefined ? ["--context", access.context] : [])];
    const run: Kubectl = async (...args) => {
        try {
            return (await promisify(execFile)("kubectl", [...base, ...args], { encoding: "utf8", maxBuffer: 64 << 20, timeout: timeoutMs })).stdout;
        } catch (e) {
            const err = e as NodeJS.ErrnoException & { stderr?: string };
            throw new Error(err.code === "ENOENT" ? "kubectl is not on PATH (scripts/kind-node.sh --print-path has one)" : `kubectl ${args.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
        }
    };
    return Object.assign(run, { close: () => dir !== undefined && fs.rmSync(dir, { recursive: true, force: true }) });
}
