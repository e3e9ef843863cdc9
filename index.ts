// rollout-lab: one Pulumi program; the stack file (stacks/Pulumi.<stack>.yaml) picks the platform,
// the strategy, the traffic provider and their parameters. What the outputs mean: LabOutputs in
// program/lab.ts (entryUrl, namespace and routing always; kubeconfig on kind; the monitoring and
// mesh UIs where the stack has them). `lab` runs the same program inline (program/lab.ts: labProgram).
import * as pulumi from "@pulumi/pulumi";
import { assertNoOldCrdFiles, localBackendDir } from "./program/crdState";
import { labProgram } from "./program/lab";

// `pulumi up` of a stack whose state still holds the old CRD resources is refused before anything is
// registered (program/crdState.ts); `lab` moves such a state first, and runs labProgram inline.
if (!pulumi.runtime.isDryRun()) {
    assertNoOldCrdFiles(pulumi.getProject(), pulumi.getStack(), process.cwd(), process.env);
}

// The stack's last state is read where the backend is a local folder (program/priorState.ts).
export = labProgram({ backendDir: localBackendDir(process.cwd(), process.env) });
