// rollout-lab: one Pulumi program; the stack file (stacks/Pulumi.<stack>.yaml) picks the platform,
// the strategy, the traffic provider and their parameters.
import { LabOutputs, createLab, loadLabConfig } from "./components/lab";

const lab: LabOutputs = createLab(loadLabConfig());

// The stack's outputs (what each one means: LabOutputs in components/lab.ts): entryUrl, namespace and
// routing always; kubeconfig on kind; prometheusUrl, grafanaUrl and grafanaAdminPassword (secret) with
// monitoring; kialiUrl and jaegerUrl with Istio. Only the ones this stack has are exported: an
// undefined export makes the engine warn "Undefined value" on every run.
export = Object.fromEntries(Object.entries(lab).filter(([, value]) => value !== undefined));
