import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as zlib from "zlib";

// Stacks from before the CRD files became one resource each (rollout-lab:CrdBundle) hold them as
// `kubernetes:yaml:ConfigFile` components with a resource per object. `lab` takes those out of the state
// before an update (tools/lib/crdMigration.ts). `pulumi up` cannot: it would create the bundle and then
// delete the old resources, and with them the CRDs and every Gateway and route in the cluster. So the
// program refuses such an update before registering anything, where it can read the stack's state: a
// local backend (file://, the lab's own).

export const CONFIG_FILE = "kubernetes:yaml:ConfigFile";

/** The checkpoint file of `stack` under a file:// backend folder, if it exists (plain or gzipped). */
export function localCheckpoint(backendDir: string, project: string, stack: string): string | undefined {
    const base = path.join(backendDir, ".pulumi", "stacks", project, stack);
    return [`${base}.json`, `${base}.json.gz`].find((f) => fs.existsSync(f));
}

/** A checkpoint file's text (plain or gzipped). */
export function checkpointText(file: string): string {
    const bytes = fs.readFileSync(file);
    return (file.endsWith(".gz") ? zlib.gunzipSync(bytes) : bytes).toString("utf8");
}

/** Whether a checkpoint holds a ConfigFile component (only the old CRD files made one). */
export function checkpointHasConfigFiles(file: string): boolean {
    return checkpointText(file).includes(`"${CONFIG_FILE}"`);
}

/** The file:// backend folder of a project run by `pulumi` in `cwd`: PULUMI_BACKEND_URL, else Pulumi.yaml's backend. */
export function localBackendDir(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
    let url = env.PULUMI_BACKEND_URL;
    if (url === undefined) {
        try {
            url = (YAML.parse(fs.readFileSync(path.join(cwd, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } } | null)?.backend?.url;
        } catch {
            return undefined;
        }
    }
    return url?.startsWith("file://") ? path.resolve(cwd, url.slice("file://".length)) : undefined;
}

/** Throws, naming the way on, when an update of this stack would delete the CRDs its old state holds. */
export function assertNoOldCrdFiles(project: string, stack: string, cwd: string, env: NodeJS.ProcessEnv): void {
    const dir = localBackendDir(cwd, env);
    const file = dir === undefined ? undefined : localCheckpoint(dir, project, stack);
    if (file !== undefined && checkpointHasConfigFiles(file)) {
        throw new Error(
            `stack ${stack}: its state holds the CRD files as kubernetes:yaml:ConfigFile resources (a stack from before rollout-lab:CrdBundle); ` +
                `this update would delete those CRDs, and every Gateway and route, from the cluster. Nothing was changed. ` +
                `Run \`npx lab up ${stack}\` once: it takes them out of the state without touching the cluster; \`pulumi up\` works as before after it`,
        );
    }
}
