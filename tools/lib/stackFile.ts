// A stack of the lab, read from its stack file the way Pulumi hands it to the program, and checked by the
// same schema: the CLI knows the strategy, versions and thresholds before it runs anything.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { LabConfig, declarationOf, parseLabConfig, rawConfigFromPulumi, withEnvironmentDefaults } from "../../components/labConfig";
import type { RouterDeclaration } from "../../components/routers/declaration";
import { routerSections } from "../../components/vocabulary";
import { pathSegments } from "../../components/config/machineConfig";
import { labPlan } from "../../components/plan";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const stacksDir = path.join(repoRoot, "stacks");

/** Every stack of stacks/, by name (Pulumi.<name>.yaml). */
export function knownStacks(dir = stacksDir): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .map((f) => f.replace(/^Pulumi\.|\.yaml$/g, ""))
        .sort();
}

export function stackFilePath(stack: string, dir = stacksDir): string {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`stack: got "${stack}"; allowed: ${knownStacks(dir).join(", ")}`);
    }
    return file;
}

/** A stack file's `config:` map as Pulumi passes it to a program: objects and numbers as JSON text. */
export function toPulumiConfig(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** A stack file that is not a YAML map with a `config:` map: a usage error naming the file and the line. */
export class StackFileError extends Error {
    constructor(file: string, problem: string) {
        const relative = path.relative(process.cwd(), file);
        super(`${relative === "" || relative.startsWith("..") ? file : relative}: ${problem}`);
        this.name = "StackFileError";
    }
}

export function readStackConfig(stack: string, dir = stacksDir): Record<string, string> {
    const file = stackFilePath(stack, dir);
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError(file, `not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const config = doc === null || typeof doc !== "object" ? undefined : (doc as { config?: unknown }).config;
    if (doc !== null && (typeof doc !== "object" || Array.isArray(doc) || (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config))))) {
        throw new StackFileError(file, "allowed: a YAML map whose `config:` is a map of rollout-lab:<key>: <value>");
    }
    return toPulumiConfig((config as Record<string, unknown> | undefined) ?? {});
}

/** The stack's typed config, with path-style changes on top; a bad result throws the program's own LabConfigError. */
export function loadStackConfig(stack: string, dir = stacksDir, change: Record<string, string> = {}): LabConfig {
    return parseLabConfig(withEnvironmentDefaults(rawConfigFromPulumi(withChange(readStackConfig(stack, dir), change)), process.env));
}

/**
 * A flat config map with path-style values set ("rollout-lab:canary.weight" = "25"), as
 * `pulumi config set --path` would leave it: so every step of a plan is checked by the schema before the
 * first one is applied.
 */
export function withChange(flat: Record<string, string>, change: Record<string, string>): Record<string, string> {
    const out = { ...flat };
    for (const [pathKey, value] of Object.entries(change)) {
        const [top, ...rest] = pathSegments(pathKey);
        if (rest.length === 0) {
            out[String(top)] = value;
            continue;
        }
        const root: unknown = out[String(top)] === undefined ? (typeof rest[0] === "number" ? [] : {}) : JSON.parse(out[String(top)]);
        let node = root as Record<string | number, unknown>;
        rest.forEach((segment, i) => {
            if (i === rest.length - 1) {
                node[segment] = value;
                return;
            }
            const existing = node[segment];
            node[segment] = typeof existing === "object" && existing !== null ? existing : typeof rest[i + 1] === "number" ? [] : {};
            node = node[segment] as Record<string | number, unknown>;
        });
        out[String(top)] = JSON.stringify(root);
    }
    return out;
}

/**
 * A value as `pulumi config set --path` stores it (measured with the CLI): a whole number written the
 * way JavaScript writes it back, and true / false, typed; anything else a string ("0.05", "08080", "v2").
 */
export function pathConfigValue(text: string): string | number | boolean {
    if (text === "true" || text === "false") {
        return text === "true";
    }
    return /^-?(0|[1-9]\d*)$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/**
 * Sets path-style values ("rollout-lab:canary.weight" = "50") in a stack file, in this process, as
 * `pulumi config set --path` would, keeping the file's comments, order and layout: the values become
 * what the next `pulumi up` reads. A key whose value in the file is a secret is refused, the file left
 * as it was. The stack file is made (with an empty `config:`) where there is none yet.
 */
export function setStackFileValues(file: string, change: Record<string, string>): void {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "config: {}\n";
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) {
        throw new StackFileError(file, `not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    if (!YAML.isMap(doc.contents)) {
        throw new StackFileError(file, "allowed: a YAML map whose `config:` is a map of rollout-lab:<key>: <value>");
    }
    if (!doc.has("config") || doc.get("config") === null) {
        doc.set("config", doc.createNode({}));
    }
    for (const [pathKey, value] of Object.entries(change)) {
        const segments = pathSegments(pathKey);
        // A secret (`secure:`) at the key or on the way to it: `pulumi config set --secret` sets those.
        for (let i = 1; i <= segments.length; i++) {
            const node = doc.getIn(["config", ...segments.slice(0, i)], true);
            if (YAML.isMap(node) && node.has("secure")) {
                throw new StackFileError(file, `${pathKey} is a secret in the stack file; set it with pulumi config set --secret --path ${pathKey} <value>`);
            }
        }
        doc.setIn(["config", ...segments], pathConfigValue(value));
    }
    fs.writeFileSync(file, doc.toString({ lineWidth: 0 }));
}

/** The declaration of the router a checked config picks (the schema has refused any other). */
export function routerOf(config: LabConfig): RouterDeclaration {
    const declaration = declarationOf(config.platform, config.traffic);
    if (declaration === undefined) {
        throw new Error(`traffic: no router "${config.traffic}" on ${config.platform}`);
    }
    return declaration;
}

/**
 * Whether the lab's entry point picks a backend per TCP connection rather than per request (the router
 * declares it: kube-proxy behind a NodePort). A probe must then open a new connection per request, or a
 * few kept-alive connections would pin all its traffic to a few pods.
 */
export function balancesPerConnection(config: LabConfig): boolean {
    return routerOf(config).balancesPerConnection;
}

/** Sections only a Kubernetes cluster reads (the routers' own come from their declarations). */
const clusterSections = ["kind", "kubernetes", "rolling", "hpa", "renderYamlTo"] as const;

/** The value at a dotted key of the checked config ("istio.routes"). */
function valueAt(config: LabConfig, key: string): unknown {
    return key.split(".").reduce<unknown>((node, k) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[k] : undefined), config);
}

/**
 * The config a stack's platform and router act on (`lab config`): a Swarm stack without the cluster's and
 * the routers' sections; a Kubernetes stack without `swarm`, without `kind` on an existing cluster, and
 * with only the sections its router's declaration says it reads; `canary.totalReplicas` and
 * `maxTotalReplicas` only where the router splits by replica ratio.
 */
export function platformView(config: LabConfig): Record<string, unknown> {
    const view: Record<string, unknown> = { ...config };
    const router = routerOf(config);
    if (config.platform === "swarm") {
        for (const k of clusterSections) {
            delete view[k];
        }
    } else {
        delete view.swarm;
        if (config.platform !== "kind") {
            delete view.kind;
        }
    }
    const own = new Set<string>([...router.reads, ...(router.readsWhen ?? []).filter((w) => valueAt(config, w.key) === w.equals).map((w) => w.section)]);
    for (const k of routerSections) {
        if (!own.has(k)) {
            delete view[k];
        }
    }
    // The replica split's keys only where the router splits by replicas; sticky only where it can keep a user.
    const { totalReplicas, maxTotalReplicas, sticky, weight } = config.canary;
    view.canary = {
        weight,
        ...(router.splitsBy === "replicas" ? { totalReplicas, maxTotalReplicas } : {}),
        ...(router.limits?.noSticky === undefined ? { sticky } : {}),
    };
    return view;
}

/**
 * The pods a config's canary runs on where its router splits by replica ratio ("12 pods: 9 stable + 3
 * candidate"), for every place a weight is stepped (lab rollout, lab compare); undefined where the
 * router splits by weight, or nothing is split.
 */
export function replicaSplitOf(config: LabConfig): string | undefined {
    const { splitsBy } = routerOf(config);
    if (splitsBy !== "replicas") {
        return undefined;
    }
    const plan = labPlan(config, splitsBy);
    if (plan.routing.kind !== "split") {
        return undefined;
    }
    const [stable, candidate] = plan.releases;
    const total = stable.replicas + candidate.replicas;
    return `${total} pods: ${stable.replicas} stable + ${candidate.replicas} candidate${total !== config.canary.totalReplicas ? ` (not canary.totalReplicas ${config.canary.totalReplicas}: it cannot give ${plan.routing.candidateWeight}% exactly)` : ""}`;
}
