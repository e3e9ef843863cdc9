// kubectl against a lab's cluster, for the commands that read it (lab check, the preflight of lab up):
// the kubeconfig file and context given (kubectl's defaults where unset), each failure naming the command.
import { execFile } from "child_process";
import { promisify } from "util";

/** Which cluster: a kubeconfig file and a context; kubectl's defaults ($KUBECONFIG, the current context) where unset. */
export interface KubectlAccess {
    kubeconfigFile?: string;
    context?: string;
}

/** Runs kubectl with these arguments against the cluster; resolves with its stdout, rejects naming the command and kubectl's message. */
export type Kubectl = (...args: string[]) => Promise<string>;

export function kubectlFor(access: KubectlAccess, timeoutMs = 30_000): Kubectl {
    const base = [...(access.kubeconfigFile !== undefined ? ["--kubeconfig", access.kubeconfigFile] : []), ...(access.context !== undefined ? ["--context", access.context] : [])];
    return async (...args) => {
        try {
            return (await promisify(execFile)("kubectl", [...base, ...args], { encoding: "utf8", maxBuffer: 64 << 20, timeout: timeoutMs })).stdout;
        } catch (e) {
            const err = e as NodeJS.ErrnoException & { stderr?: string };
            throw new Error(err.code === "ENOENT" ? "kubectl is not on PATH (scripts/kind-node.sh --print-path has one)" : `kubectl ${args.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
        }
    };
}
