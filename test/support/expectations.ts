import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { CreatedResource, ProgramRun, findResources } from "./pulumiHarness";

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const SERVICE = "kubernetes:core/v1:Service";
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const K8S_PROVIDER = "pulumi:providers:kubernetes";
export const IMAGE = "docker:index/image:Image";
/** The lab's own typed resources (components/local), Pulumi dynamic resources. */
export const KIND_CLUSTER = "pulumi-nodejs:dynamic/rollout-lab:KindCluster";
export const KIND_LOAD = "pulumi-nodejs:dynamic/rollout-lab:KindImageLoad";
export const LOCAL_IMAGE = "pulumi-nodejs:dynamic/rollout-lab:LocalImage";
export const SWARM_MODE = "pulumi-nodejs:dynamic/rollout-lab:SwarmMode";
export const EDGE_ROUTING = "pulumi-nodejs:dynamic/rollout-lab:EdgeRouting";
export const SWARM_ROLLOUT = "pulumi-nodejs:dynamic/rollout-lab:SwarmRollout";

export const APP_NAMESPACE = "rollout-lab";

/** The demo app's Deployments (monitoring has its own namespace). */
export function deployments(run: ProgramRun): CreatedResource[] {
    return findResources(run, DEPLOYMENT).filter((d) => d.inputs.metadata.namespace === APP_NAMESPACE);
}

export function deploymentNamed(run: ProgramRun, name: string): CreatedResource {
    const found = deployments(run).filter((d) => d.inputs.metadata.name === name);
    assert.equal(found.length, 1, `expected one Deployment ${name}, have ${deployments(run).map((d) => d.inputs.metadata.name).join(", ")}`);
    return found[0];
}

export function theService(run: ProgramRun): CreatedResource {
    const services = findResources(run, SERVICE).filter((r) => r.inputs.metadata.namespace === APP_NAMESPACE);
    assert.equal(services.length, 1, "one Service fronts the app");
    return services[0];
}

export function envOf(deployment: CreatedResource): Record<string, string> {
    const env = deployment.inputs.spec.template.spec.containers[0].env as { name: string; value: string }[];
    return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

/** Labels of the pods a selector picks, among all Deployments of the run. */
export function deploymentsSelectedBy(run: ProgramRun, selector: Record<string, string>): string[] {
    return deployments(run)
        .filter((d) => Object.entries(selector).every(([k, v]) => d.inputs.spec.template.metadata.labels[k] === v))
        .map((d) => d.inputs.metadata.name as string)
        .sort();
}

/** Every container of every workload (app, monitoring, exporters) with the workload's name. */
export function allContainers(run: ProgramRun): { owner: string; container: any }[] {
    return run.resources
        .filter((r) => r.type === DEPLOYMENT || r.type === "kubernetes:apps/v1:DaemonSet")
        .flatMap((r) => (r.inputs.spec.template.spec.containers as any[]).map((c) => ({ owner: `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`, container: c })));
}

/** Whether a value is marked secret the way the SDK sends it to the engine: { [specialSigKey]: specialSecretSig, value }. */
export function isSecret(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Pulumi marks secrets on the wire; schema validation wants the plain value underneath. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        const o = value as Record<string, unknown>;
        if (isSecret(o)) {
            return unwrapSecrets(o.value);
        }
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** What every container of the demo app must have, whatever the strategy. */
export function assertHardenedContainers(run: ProgramRun): void {
    for (const d of deployments(run)) {
        const pod = d.inputs.spec.template.spec;
        const name = d.inputs.metadata.name;
        assert.equal(pod.terminationGracePeriodSeconds, 30, `${name}: grace period`);
        assert.equal(pod.securityContext.runAsNonRoot, true, `${name}: pod runAsNonRoot`);
        assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" }, `${name}: seccomp`);
        for (const c of pod.containers) {
            assert.deepEqual(c.readinessProbe.httpGet, { path: "/ready", port: "http" }, `${name}: readiness probe`);
            assert.deepEqual(c.livenessProbe.httpGet, { path: "/live", port: "http" }, `${name}: liveness probe`);
            assert.deepEqual(c.lifecycle.preStop, { sleep: { seconds: 5 } }, `${name}: preStop pause`);
            assert.ok(c.lifecycle.preStop.sleep.seconds < pod.terminationGracePeriodSeconds, `${name}: preStop fits the grace period`);
            assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } }, `${name}: resources`);
            assert.deepEqual(
                c.securityContext,
                { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                `${name}: container securityContext`,
            );
            assert.doesNotMatch(c.image, /:latest$|^[^:]+$/, `${name}: image has a pinned tag`);
        }
    }
}
