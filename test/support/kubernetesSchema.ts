// Checks Kubernetes objects against the Kubernetes API schemas with two libraries:
// kubernetes-models validates types, required fields and formats; @kubernetes/client-node's generated
// models list every field of every type, which catches a misspelt field that JSON Schema lets through.

type Attribute = { name: string; baseName: string; type: string };
type ModelClass = { getAttributeTypeMap(): Attribute[] };
type ModelModule = Record<string, unknown>;

// Both libraries ship as ES modules; a real dynamic import keeps them loadable from CommonJS tests.
const importEsm = new Function("specifier", "return import(specifier)") as (s: string) => Promise<ModelModule>;

/** apiVersion and kind from a Pulumi type token such as kubernetes:apps/v1:Deployment. */
export function apiOf(token: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(token);
    if (!m) {
        return undefined;
    }
    const [group, version] = m[1].split("/");
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: m[2] };
}

/** Every field in `obj` that the client-node model `typeName` does not have, as JSON paths. */
function unknownFields(obj: unknown, typeName: string, models: ModelModule, path: string): string[] {
    if (obj === null || obj === undefined) {
        return [];
    }
    const arrayOf = /^Array<(.+)>$/.exec(typeName);
    if (arrayOf) {
        return Array.isArray(obj) ? obj.flatMap((v, i) => unknownFields(v, arrayOf[1], models, `${path}[${i}]`)) : [];
    }
    const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
    if (mapOf) {
        return Object.entries(obj as object).flatMap(([k, v]) => unknownFields(v, mapOf[1], models, `${path}.${k}`));
    }
    const model = models[typeName] as ModelClass | undefined;
    if (model === undefined || typeof model.getAttributeTypeMap !== "function" || typeof obj !== "object") {
        return [];
    }
    const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a]));
    return Object.entries(obj as object).flatMap(([key, value]) => {
        const attribute = attributes.get(key);
        return attribute === undefined ? [`${path}.${key}`] : unknownFields(value, attribute.type, models, `${path}.${key}`);
    });
}

/** Custom resources the lab creates, by API group: the kubernetes-models package with their CRDs' schemas. */
const customResourceModels: Record<string, string> = {
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
    "networking.istio.io": "@kubernetes-models/istio",
    "traefik.io": "@kubernetes-models/traefik",
};

async function validateCustomResource(modelsPath: string, kind: string, obj: Record<string, unknown>): Promise<string[]> {
    const models = await importEsm(modelsPath);
    const Model = models[kind] as (new (o: unknown) => { validate(): void }) | undefined;
    if (Model === undefined) {
        throw new Error(`${modelsPath} has no ${kind}`);
    }
    try {
        new Model(obj).validate();
        return [];
    } catch (e) {
        return [(e as Error).message];
    }
}

/**
 * Validates one object; returns the problems found (empty when valid). Throws when no schema is known
 * for the kind, so a new resource type cannot slip through unchecked.
 */
export async function validateKubernetesObject(token: string, obj: Record<string, unknown>): Promise<string[]> {
    const api = apiOf(token);
    if (api === undefined) {
        throw new Error(`not a Kubernetes type token: ${token}`);
    }
    const [group, version] = api.apiVersion.includes("/") ? api.apiVersion.split("/") : ["", api.apiVersion];
    const problems: string[] = [];
    if (obj.apiVersion !== api.apiVersion || obj.kind !== api.kind) {
        problems.push(`apiVersion/kind ${String(obj.apiVersion)}/${String(obj.kind)} do not match ${token}`);
    }

    const customModels = customResourceModels[group];
    if (customModels !== undefined) {
        return [...problems, ...(await validateCustomResource(`${customModels}/${group}/${version}`, api.kind, obj))];
    }
    const modelsPath = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
    const kubernetesModels = await importEsm(modelsPath);
    const Model = kubernetesModels[api.kind] as (new (o: unknown) => { validate(): void }) | undefined;
    if (Model === undefined) {
        throw new Error(`kubernetes-models has no ${api.kind} in ${modelsPath}`);
    }
    try {
        new Model(obj).validate();
    } catch (e) {
        problems.push((e as Error).message);
    }

    const clientModels = await importEsm("@kubernetes/client-node");
    const typeName = `${version.charAt(0).toUpperCase()}${version.slice(1)}${api.kind}`;
    if (clientModels[typeName] === undefined) {
        throw new Error(`@kubernetes/client-node has no model ${typeName}`);
    }
    for (const field of unknownFields(obj, typeName, clientModels, "")) {
        problems.push(`unknown field ${field.slice(1)}`);
    }
    return problems;
}
