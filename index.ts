// rollout-lab: one Pulumi program; the stack file (stacks/Pulumi.<stack>.yaml) picks the platform,
// the strategy, the traffic provider and their parameters. What the outputs mean: LabOutputs in
// components/lab.ts (entryUrl, namespace and routing always; kubeconfig on kind; the monitoring and
// mesh UIs where the stack has them). `lab` runs the same program inline (components/lab.ts: labProgram).
import { labProgram } from "./components/lab";

export = labProgram();
