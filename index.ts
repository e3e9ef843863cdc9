// rollout-lab: one Pulumi program; the stack file (stacks/Pulumi.<stack>.yaml) picks the platform,
// the strategy, the traffic provider and their parameters.
import { createLab, loadLabConfig } from "./components/lab";

const lab = createLab(loadLabConfig());

/** Where to send traffic (the probe, curl, a browser). */
export const entryUrl = lab.entryUrl;
export const namespace = lab.namespace;
/** Which Deployment gets which share of requests, and the Service selector in effect. */
export const routing = lab.routing;
/** The kind cluster's kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
export const kubeconfig = lab.kubeconfig;
/** Grafana (user admin) and Prometheus, on 127.0.0.1 unless rollout-lab:monitoring.listenAddress says otherwise. */
export const grafanaUrl = lab.grafanaUrl;
export const prometheusUrl = lab.prometheusUrl;
/** traffic istio: Kiali (the mesh's graph) and Jaeger (traces), on 127.0.0.1 on kind. */
export const kialiUrl = lab.kialiUrl;
export const jaegerUrl = lab.jaegerUrl;
/** `pulumi stack output grafanaAdminPassword --show-secrets` */
export const grafanaAdminPassword = lab.grafanaAdminPassword;
