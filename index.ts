// rollout-lab: one Pulumi program; the stack file (stacks/Pulumi.<stack>.yaml) picks the platform,
// the strategy, the traffic provider and their parameters. What the outputs mean: LabOutputs in
// program/lab.ts (entryUrl, namespace and routing always; kubeconfig on kind; the monitoring and
// mesh UIs where the stack has them). `lab` runs the same program inline (program/lab.ts: labProgram).
import { labProgram } from "./program/lab";

export = labProgram();
