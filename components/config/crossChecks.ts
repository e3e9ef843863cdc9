import { z } from "zod";
import { labConfigSchema } from "./schema";

/** A problem found by looking at several keys together; `key` is relative to the namespace. */
export interface CrossProblem {
    key: string;
    given: string;
    allowed: string;
}

const shape = labConfigSchema.shape;

/** Parses one key on its own; undefined when that key is itself invalid (its own problem is reported elsewhere). */
export function fieldOf<K extends keyof typeof shape>(raw: Record<string, unknown>, key: K): z.output<(typeof shape)[K]> | undefined {
    const r = shape[key].safeParse(raw[key]);
    return r.success ? (r.data as z.output<(typeof shape)[K]>) : undefined;
}

/**
 * Checks that need more than one key and no router's word: the autoscaler's bounds, A/B's rule, kind's
 * pod network, render mode. What a stack's router can do is checked by the routers' rules (RouterRules).
 * Each check runs when the keys it reads are valid on their own.
 */
export function crossFieldProblems(raw: Record<string, unknown>): CrossProblem[] {
    const problems: CrossProblem[] = [];
    const platform = fieldOf(raw, "platform");
    const strategy = fieldOf(raw, "strategy");
    const hpa = fieldOf(raw, "hpa");
    if (hpa !== undefined && hpa.minReplicas > hpa.maxReplicas) {
        problems.push({
            key: "hpa.minReplicas",
            given: String(hpa.minReplicas),
            allowed: `at most hpa.maxReplicas (${hpa.maxReplicas})`,
        });
    }
    if (strategy === "abtest" && raw.abtest === undefined) {
        problems.push({ key: "abtest", given: "nothing (missing)", allowed: "{header, value} or {cookie} for strategy abtest" });
    }
    const abtest = fieldOf(raw, "abtest");
    if (abtest !== undefined) {
        const byHeader = abtest.header !== undefined && abtest.value !== undefined;
        const halfHeader = (abtest.header === undefined) !== (abtest.value === undefined);
        if (halfHeader || (!byHeader && abtest.cookie === undefined)) {
            problems.push({ key: "abtest", given: JSON.stringify(raw.abtest), allowed: "{header, value} together, or {cookie}" });
        }
        if (abtest.valueMatch === "regex" && abtest.header === undefined) {
            problems.push({ key: "abtest.valueMatch", given: '"regex"', allowed: '"exact" unless abtest.header and abtest.value are set' });
        }
    }
    const kind = fieldOf(raw, "kind");
    if (platform === "kind" && kind?.podNetwork === "bridge" && kind.nodeImage === undefined) {
        // Stock kindest/node has kindnetd and not the lab's pod-network service: its nodes would never be Ready.
        problems.push({ key: "kind.podNetwork", given: '"bridge"', allowed: '"kindnetd" with kind\'s own node image, or "bridge" with kind.nodeImage set to one scripts/kind-node.sh built' });
    }
    const kubernetes = fieldOf(raw, "kubernetes");
    if (kubernetes?.studentAccess === true && platform !== undefined && platform !== "kubernetes") {
        problems.push({ key: "kubernetes.studentAccess", given: "true", allowed: `false on ${platform} (a student's own credentials are for a lab on a shared cluster: platform kubernetes)` });
    }
    const app = fieldOf(raw, "app");
    if (app !== undefined && app.shutdown.preStopSeconds >= app.shutdown.gracePeriodSeconds) {
        problems.push({ key: "app.shutdown.gracePeriodSeconds", given: String(app.shutdown.gracePeriodSeconds), allowed: `more than app.shutdown.preStopSeconds (${app.shutdown.preStopSeconds}): a pod killed during its pause drops what it is answering` });
    }
    const traefik = fieldOf(raw, "traefik");
    if (traefik?.install === true && traefik.listenerPort !== undefined) {
        problems.push({ key: "traefik.listenerPort", given: String(traefik.listenerPort), allowed: "nothing while traefik.install is true (the lab's own Traefik has one entry point, web: 8000); a port with install: false" });
    }
    const monitoring = fieldOf(raw, "monitoring");
    if (monitoring?.exportersNamespace !== undefined && platform === "swarm") {
        problems.push({ key: "monitoring.exportersNamespace", given: JSON.stringify(monitoring.exportersNamespace), allowed: "nothing on swarm (shared exporters are a class's, on a Kubernetes cluster: kind or kubernetes)" });
    }
    if (raw.renderYamlTo !== undefined && platform === "swarm") {
        problems.push({
            key: "renderYamlTo",
            given: JSON.stringify(raw.renderYamlTo),
            allowed: "only on a Kubernetes platform (kind or kubernetes)",
        });
    }
    return problems;
}
