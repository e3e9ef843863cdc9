// The lab's policy rules as plain functions over one resource's inputs and the stack's config, so the
// unit tests can run them without the engine; index.ts hands them to @pulumi/policy. A rule returns the
// violations it finds, each naming the container or field; a waiver on the resource (a reason given in
// a label or annotation) turns a rule's findings into advisory notes.

import { disruptionBudgets, gracefulShutdown, routerRetries } from "./workloads";

/** One resource as the engine hands it to a policy: its type token, name and input properties. */
export interface ResourceInput {
    type: string;
    name: string;
    props: Record<string, any>;
}

/** What the rules read from the stack's config (the engine gives a pack the config as PULUMI_CONFIG). */
export interface StackContext {
    /** Addresses a UI may listen on: 127.0.0.1 and every `listenAddress` the stack's config sets. */
    listenAddresses: string[];
    strategy?: string;
    /** canary.weight, when the stack sets it. */
    canaryWeight?: number;
    /** measure.steps, or the lab's default. */
    steps: number[];
    /**
     * Config keys (any namespace) named like a secret whose value is in plain text: the engine gives a
     * pack each secure value as "[secret]", so anything else was set without --secret.
     */
    plaintextConfigKeys: string[];
    /** Every resource of the stack, for the rules judged once over all of them (the engine's stack analysis). */
    resources?: ResourceInput[];
}

export type RuleName = "container-probes" | "container-resources" | "pinned-image" | "non-root" | "no-plaintext-secrets" | "no-plaintext-secret-config"
    | "ui-localhost" | "canary-steps" | "graceful-shutdown" | "disruption-budget" | "router-retries";

export interface Rule {
    name: RuleName;
    description: string;
    /** Advisory rules warn; mandatory ones fail the preview. */
    advisory: boolean;
    /** Judged once for the stack (index.ts passes the stack resource), not per resource. */
    perStack?: boolean;
    check(r: ResourceInput, ctx: StackContext): string[];
}

/** The lab's default measure.steps (components/config/infraSchemas.ts; a unit test keeps the two equal). */
export const DEFAULT_STEPS = [10, 25, 50, 100];
const LOOPBACK = "127.0.0.1";

/** Reads the stack context from the environment the engine starts a pack with. */
export function stackContext(env: Record<string, string | undefined>): StackContext {
    let config: Record<string, string> = {};
    try {
        config = JSON.parse(env.PULUMI_CONFIG ?? "{}");
    } catch {
        config = {};
    }
    const value = (key: string): unknown => {
        const raw = config[`rollout-lab:${key}`];
        if (raw === undefined) return undefined;
        try {
            return JSON.parse(raw);
        } catch {
            return raw;
        }
    };
    const listenAddresses = new Set([LOOPBACK]);
    for (const section of ["swarm", "monitoring", "istio"]) {
        const v = value(section) as Record<string, unknown> | undefined;
        if (v && typeof v === "object" && typeof v.listenAddress === "string") listenAddresses.add(v.listenAddress);
    }
    const canary = value("canary") as Record<string, unknown> | undefined;
    const measure = value("measure") as Record<string, unknown> | undefined;
    const weight = canary && typeof canary === "object" ? Number(canary.weight) : NaN;
    const steps = measure && Array.isArray(measure.steps) ? measure.steps.map(Number) : DEFAULT_STEPS;
    const strategy = value("strategy");
    const plaintextConfigKeys = Object.keys(config).filter((k) => SECRET_NAME.test(k.slice(k.indexOf(":") + 1)) && config[k] !== "[secret]");
    return {
        plaintextConfigKeys,
        listenAddresses: [...listenAddresses],
        strategy: typeof strategy === "string" ? strategy : undefined,
        canaryWeight: Number.isFinite(weight) ? weight : undefined,
        steps,
    };
}

// --- where the containers are ------------------------------------------------------------------------

/** A container in the platform's own shape, and where it sits, for the messages. */
type Found = { where: string } & ({ kind: "kubernetes"; c: Record<string, any>; pod: Record<string, any> } | { kind: "docker"; c: Record<string, any>; docker: "service" | "container"; resources: Record<string, any> | undefined });

const podSpecPath: Record<string, (p: Record<string, any>) => Record<string, any> | undefined> = {
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
    "kubernetes:core/v1:Pod": (p) => p.spec,
};
const DOCKER_SERVICE = "docker:index/service:Service";
const DOCKER_CONTAINER = "docker:index/container:Container";
export const STACK = "pulumi:pulumi:Stack";

function containersOf(r: ResourceInput): Found[] {
    const pod = podSpecPath[r.type]?.(r.props);
    if (pod) {
        // Init containers run to completion: no probes, so only the long-running containers are judged.
        return (pod.containers ?? []).map((c: Record<string, any>) => ({ where: `${r.name}/${c.name}`, kind: "kubernetes" as const, c, pod }));
    }
    if (r.type === DOCKER_SERVICE) {
        const spec = r.props.taskSpec?.containerSpec;
        return spec ? [{ where: r.name, kind: "docker", docker: "service", c: spec, resources: r.props.taskSpec?.resources }] : [];
    }
    if (r.type === DOCKER_CONTAINER) {
        return [{ where: r.name, kind: "docker", docker: "container", c: r.props, resources: undefined }];
    }
    return [];
}

// --- the rules -----------------------------------------------------------------------------------------

function probes(r: ResourceInput): string[] {
    return containersOf(r).flatMap((f) => {
        if (f.kind === "kubernetes") {
            const missing = ["readinessProbe", "livenessProbe"].filter((p) => f.c[p] === undefined || f.c[p] === null);
            return missing.length ? [`${f.where}: no ${missing.join(" and no ")}`] : [];
        }
        const tests: unknown[] | undefined = f.c.healthcheck?.tests;
        return !tests || tests.length === 0 || tests[0] === "NONE" ? [`${f.where}: no healthcheck`] : [];
    });
}

function resources(r: ResourceInput): string[] {
    return containersOf(r).flatMap((f) => {
        if (f.kind === "kubernetes") {
            const missing = ["requests", "limits"].flatMap((k) => ["cpu", "memory"].filter((m) => f.c.resources?.[k]?.[m] === undefined).map((m) => `${k}.${m}`));
            return missing.length ? [`${f.where}: no resources.${missing.join(", resources.")}`] : [];
        }
        if (f.docker === "service") {
            const missing = ["limits", "reservation"].flatMap((k) => ["nanoCpus", "memoryBytes"].filter((m) => !(Number(f.resources?.[k]?.[m]) > 0)).map((m) => `${k}.${m}`));
            return missing.length ? [`${f.where}: no taskSpec.resources.${missing.join(", taskSpec.resources.")}`] : [];
        }
        const missing = ["memory", "cpus"].filter((k) => !(Number(f.c[k]) > 0));
        return missing.length ? [`${f.where}: no ${missing.join(" and no ")} limit`] : [];
    });
}

/** A tag other than latest, or a digest; a registry port (host:5000/x) is not a tag. */
export function isPinnedImage(image: string): boolean {
    if (image.includes("@sha256:")) return true;
    const last = image.slice(image.lastIndexOf("/") + 1);
    const colon = last.lastIndexOf(":");
    return colon > 0 && last.slice(colon + 1) !== "latest" && last.slice(colon + 1) !== "";
}

function pinnedImage(r: ResourceInput): string[] {
    return containersOf(r).flatMap((f) => {
        const image = f.c.image;
        if (typeof image !== "string") return []; // not known until the image is built: judged at `up`
        return isPinnedImage(image) ? [] : [`${f.where}: image ${image} is not pinned (give a tag other than latest, or a digest)`];
    });
}

function nonRoot(r: ResourceInput): string[] {
    return containersOf(r).flatMap((f) => {
        if (f.kind === "kubernetes") {
            const sc = { ...(f.pod.securityContext ?? {}), ...(f.c.securityContext ?? {}) };
            if (sc.privileged === true) return [`${f.where}: runs privileged`];
            if (sc.runAsUser === 0) return [`${f.where}: runAsUser 0`];
            return sc.runAsNonRoot === true || Number(sc.runAsUser) > 0 ? [] : [`${f.where}: neither runAsNonRoot: true nor a runAsUser above 0`];
        }
        const user = String(f.c.user ?? "").trim();
        const name = user.split(":")[0];
        return user === "" || name === "root" || name === "0" ? [`${f.where}: runs as root (user ${user === "" ? "unset" : JSON.stringify(user)})`] : [];
    });
}

/** Env var and config key names that hold secrets. */
export const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** Names that point at a secret rather than hold one: Grafana's `__FILE` variables, a path, a secret's name. */
const SECRET_REFERENCE = /(__FILE|_FILE|_PATH|_NAME)$/i;

function plaintextSecrets(r: ResourceInput): string[] {
    const named = (name: string) => SECRET_NAME.test(name) && !SECRET_REFERENCE.test(name);
    const found = containersOf(r).flatMap((f) => {
        if (f.kind === "kubernetes") {
            return (f.c.env ?? []).filter((e: Record<string, any>) => named(e.name) && e.value !== undefined && e.valueFrom === undefined).map((e: Record<string, any>) => `${f.where}: env ${e.name} holds a value in plain text (use valueFrom.secretKeyRef)`);
        }
        const names = f.docker === "service" ? Object.keys(f.c.env ?? {}) : ((f.c.envs ?? []) as unknown[]).filter((e): e is string => typeof e === "string").map((e) => e.split("=")[0]);
        return names.filter(named).map((n) => `${f.where}: env ${n} holds a secret in plain text (docker inspect shows it; upload it to a file and point the program at it, e.g. ${n}__FILE)`);
    });
    if (r.type === "kubernetes:core/v1:ConfigMap") {
        found.push(...Object.keys(r.props.data ?? {}).filter(named).map((k) => `${r.name}: ConfigMap key ${k} looks like a secret (use a Secret)`));
    }
    return found;
}

/** The lab's kind cluster resource (components/local: KindCluster), whose config goes to `kind create cluster`. */
export const KIND_CLUSTER = "pulumi-nodejs:dynamic/rollout-lab:KindCluster";

/** The kind cluster's config as the program hands it to `kind create cluster --config -`. */
function kindPortMappings(r: ResourceInput): { containerPort: string; listenAddress: string }[] {
    if (r.type !== KIND_CLUSTER || typeof r.props.config !== "string") return [];
    const mappings: { containerPort: string; listenAddress: string }[] = [];
    let port = "?";
    for (const line of r.props.config.split("\n")) {
        const p = /containerPort:\s*(\d+)/.exec(line);
        if (p) port = p[1];
        const a = /listenAddress:\s*"?([^"\s]+)"?/.exec(line);
        if (a) mappings.push({ containerPort: port, listenAddress: a[1] });
    }
    return mappings;
}

function uiLocalhost(r: ResourceInput, ctx: StackContext): string[] {
    const allowed = (ip: string) => ctx.listenAddresses.includes(ip);
    const why = `allowed: ${ctx.listenAddresses.join(", ")} (a stack opens more by setting a listenAddress)`;
    const out: string[] = [];
    if (r.type === DOCKER_CONTAINER) {
        for (const p of r.props.ports ?? []) {
            const ip = p.ip ?? "0.0.0.0";
            if (!allowed(ip)) out.push(`${r.name}: port ${p.external ?? p.internal} published on ${ip}; ${why}`);
        }
    }
    if (r.type === DOCKER_SERVICE) {
        // Swarm publishes a service's ports on every address: the lab publishes through containers instead.
        for (const p of r.props.endpointSpec?.ports ?? []) out.push(`${r.name}: port ${p.publishedPort ?? p.targetPort} published by Swarm on every address; ${why}`);
    }
    for (const m of kindPortMappings(r)) {
        if (!allowed(m.listenAddress)) out.push(`${r.name}: kind maps node port ${m.containerPort} on ${m.listenAddress}; ${why}`);
    }
    return out;
}

function plaintextConfig(r: ResourceInput, ctx: StackContext): string[] {
    if (r.type !== STACK) return [];
    return ctx.plaintextConfigKeys.map((k) => `config ${k} is named like a secret but is in plain text in the stack file (pulumi config set --secret ${k} ...)`);
}

function canarySteps(r: ResourceInput, ctx: StackContext): string[] {
    if (r.type !== STACK || ctx.strategy !== "canary" || ctx.canaryWeight === undefined) return [];
    const w = ctx.canaryWeight;
    return w === 0 || ctx.steps.includes(w) ? [] : [`canary.weight ${w} is not one of measure.steps (${ctx.steps.join(", ")}): lab rollout steps through those, and a weight between them skips its checks`];
}

export const rules: Rule[] = [
    { name: "container-probes", advisory: false, description: "Every container has readiness and liveness probes (Docker: a healthcheck).", check: probes },
    { name: "container-resources", advisory: false, description: "Every container has CPU and memory requests and limits (Swarm: reservations and limits).", check: resources },
    { name: "pinned-image", advisory: false, description: "Every image is pinned: a tag other than latest, or a digest.", check: pinnedImage },
    { name: "non-root", advisory: false, description: "Every container runs as a user other than root, and not privileged.", check: nonRoot },
    { name: "no-plaintext-secrets", advisory: false, description: "No secret in plain text in an env var or a ConfigMap.", check: plaintextSecrets },
    { name: "no-plaintext-secret-config", advisory: false, perStack: true, description: "No config key named like a secret is in plain text.", check: plaintextConfig },
    { name: "ui-localhost", advisory: false, description: "UIs and the entry listen on 127.0.0.1 unless the stack's config sets a listenAddress.", check: uiLocalhost },
    { name: "canary-steps", advisory: true, perStack: true, description: "A canary weight is one of measure.steps (or 0).", check: canarySteps },
    { name: "graceful-shutdown", advisory: false, description: "The app's containers pause before they stop (preStop) within a longer grace period.", check: gracefulShutdown },
    {
        name: "disruption-budget",
        advisory: false,
        perStack: true,
        description: "A PodDisruptionBudget covers every release of the app.",
        check: (r, ctx) => (r.type === STACK ? disruptionBudgets(ctx.resources ?? []) : []),
    },
    { name: "router-retries", advisory: false, description: "Traefik retries a request whose pod refused or never took it (every lab entry point, more than one attempt).", check: routerRetries },
];

/** The reason a resource gives for not meeting a rule, if it gives one. */
export function waiverOf(r: ResourceInput, rule: RuleName): string | undefined {
    const annotation = r.props.metadata?.annotations?.[`policy.rollout-lab/waive-${rule}`];
    if (typeof annotation === "string" && annotation.trim() !== "") return annotation;
    const labels: unknown = r.props.labels;
    if (Array.isArray(labels)) {
        const hit = labels.find((l) => l?.label === `rollout-lab.policy.waive.${rule}`);
        if (hit && typeof hit.value === "string" && hit.value.trim() !== "") return hit.value;
    }
    return undefined;
}

export interface Finding {
    rule: RuleName;
    message: string;
    /** Set when the resource waives the rule: then the finding is advisory. */
    waived?: string;
}

/** Every rule over one resource (the per-stack rules over the stack resource). */
export function evaluate(r: ResourceInput, ctx: StackContext): Finding[] {
    return rules.filter((rule) => (rule.perStack ?? false) === (r.type === STACK)).flatMap((rule) => {
        const waived = waiverOf(r, rule.name);
        return rule.check(r, ctx).map((message) => (waived ? { rule: rule.name, message, waived } : { rule: rule.name, message }));
    });
}
