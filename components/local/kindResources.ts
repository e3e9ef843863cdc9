import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { changedKeys, reapplyingProvider, runLocal } from "./localProcess";

// kind's cluster and the images loaded into its nodes as typed resources: a preview names the field
// that changes (the cluster config, an image), and only the kind binary and a Docker engine are needed.

/** Seconds `kind create cluster` waits for the control plane to be ready. */
export const kindWaitSeconds = 180;

export interface KindClusterResourceInputs {
    /** kind's cluster name. */
    clusterName: string;
    /** kind's cluster config, as YAML. */
    config: string;
    /** Environment of the kind commands (the patched kind's KIND_EXPERIMENTAL_NO_SYS_RESOURCE). */
    env: Record<string, string>;
}

export interface KindClusterResourceOutputs extends KindClusterResourceInputs {
    /** The admin kubeconfig (a secret). */
    kubeconfig: string;
    /** When this cluster was made: a new cluster under the same name is a new value, so loads run again. */
    createdAt: string;
}

const clusterKeys = ["clusterName", "config", "env"] as const;

/** The type token the engine gives a KindClusterResource (a dynamic resource of the lab's). */
export const kindClusterType = "pulumi-nodejs:dynamic/rollout-lab:KindCluster";

/** Whether a cluster with these inputs is the one the stack's last update left (so no replacement). */
export function sameCluster(prior: Record<string, unknown> | undefined, inputs: KindClusterResourceInputs): boolean {
    return prior !== undefined && changedKeys(prior, inputs, clusterKeys).length === 0;
}

async function getKubeconfig(clusterName: string, env: Record<string, string>): Promise<string | undefined> {
    try {
        return await runLocal("kind", ["get", "kubeconfig", "--name", clusterName], { env, timeoutMs: 30_000 });
    } catch {
        return undefined;
    }
}

let prefetched: { key: string; kubeconfig: Promise<string | undefined> } | undefined;
const keyOf = (clusterName: string, env: Record<string, string>) => JSON.stringify([clusterName, env]);

/**
 * Starts `kind get kubeconfig` before the engine runs the program (0.1-0.3 s, the time the engine takes to
 * start is longer), for the one update about to run: its program takes it (kindKubeconfig), and the caller
 * drops it after the update (dropPrefetchedKubeconfig) so a later update never gets a cluster's old one.
 */
export function prefetchKindKubeconfig(clusterName: string, env: Record<string, string>): void {
    prefetched = { key: keyOf(clusterName, env), kubeconfig: getKubeconfig(clusterName, env) };
}

export function dropPrefetchedKubeconfig(): void {
    prefetched = undefined;
}

/** The admin kubeconfig of a kind cluster that exists, as `kind get kubeconfig` prints it; undefined where it does not. */
export function kindKubeconfig(clusterName: string, env: Record<string, string>): Promise<string | undefined> {
    const key = keyOf(clusterName, env);
    if (prefetched?.key === key) {
        const { kubeconfig } = prefetched;
        prefetched = undefined;
        return kubeconfig;
    }
    return getKubeconfig(clusterName, env);
}

async function kindClusterNames(env: Record<string, string>): Promise<string[]> {
    return (await runLocal("kind", ["get", "clusters"], { env })).split("\n").map((s) => s.trim());
}

const kindClusterProvider: pulumi.dynamic.ResourceProvider<KindClusterResourceInputs, KindClusterResourceOutputs> = {
    async diff(_id, olds, news) {
        // A kind cluster cannot change in place; the old one goes first (the new one would clash on its
        // name and host ports).
        const changed = changedKeys(olds, news, clusterKeys);
        return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: true };
    },
    async create(inputs) {
        const env = inputs.env ?? {};
        if ((await kindClusterNames(env)).includes(inputs.clusterName)) {
            throw new Error(
                `a kind cluster named ${inputs.clusterName} exists already and this stack did not make it: ` +
                    `delete it (kind delete cluster --name ${inputs.clusterName}) or set rollout-lab:kind.clusterName to another name`,
            );
        }
        // kind deletes a cluster whose creation failed, so a failed create leaves nothing behind.
        await runLocal("kind", ["create", "cluster", "--name", inputs.clusterName, "--config", "-", "--wait", `${kindWaitSeconds}s`], { input: inputs.config, env });
        const kubeconfig = await runLocal("kind", ["get", "kubeconfig", "--name", inputs.clusterName], { env });
        return { id: inputs.clusterName, outs: { ...inputs, kubeconfig, createdAt: new Date().toISOString() } };
    },
    async read(id, props) {
        const old = props as KindClusterResourceOutputs;
        const env = old?.env ?? {};
        if (!(await kindClusterNames(env)).includes(id)) {
            return {}; // gone: a refresh drops it from the state
        }
        return { id, props: { ...old, kubeconfig: await runLocal("kind", ["get", "kubeconfig", "--name", id], { env }) } };
    },
    async delete(id, props) {
        await runLocal("kind", ["delete", "cluster", "--name", id], { env: props.env ?? {} });
    },
};

export type KindClusterResourceArgs = KindClusterResourceInputs;

/** A kind cluster: `kind create cluster` on create, `kind delete cluster` on delete, replaced on any change. */
export class KindClusterResource extends LabResource {
    declare public readonly kubeconfig: pulumi.Output<string>;
    declare public readonly createdAt: pulumi.Output<string>;
    declare public readonly clusterName: pulumi.Output<string>;

    constructor(name: string, args: KindClusterResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kindClusterProvider,
            "KindCluster",
            name,
            { ...args, kubeconfig: undefined, createdAt: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
        );
    }
}

export interface KindImageLoadInputs {
    clusterName: string;
    /** The cluster's createdAt: a new cluster loads again. */
    clusterCreatedAt: string;
    /** Image references to load. */
    images: string[];
    /** Their image IDs where the program built them: a rebuilt image loads again. */
    imageIds: string[];
    env: Record<string, string>;
}

const loadKeys = ["clusterName", "clusterCreatedAt", "images", "imageIds", "env"] as const;

async function loadImages(inputs: KindImageLoadInputs): Promise<void> {
    await runLocal("kind", ["load", "docker-image", ...inputs.images, "--name", inputs.clusterName], { env: inputs.env ?? {}, timeoutMs: 20 * 60 * 1000 });
}

// Deleting the cluster removes what was loaded; a load alone has nothing to undo.
const kindImageLoadProvider = reapplyingProvider<KindImageLoadInputs>(loadKeys, (i) => `${i.clusterName}:${i.images.join(",")}`, loadImages);

export interface KindImageLoadArgs {
    clusterName: pulumi.Input<string>;
    clusterCreatedAt: pulumi.Input<string>;
    images: pulumi.Input<pulumi.Input<string>[]>;
    imageIds?: pulumi.Input<pulumi.Input<string>[]>;
    env: Record<string, string>;
}

/** `kind load docker-image` of local images into every node; again when an image or the cluster changes. */
export class KindImageLoad extends LabResource {
    declare public readonly images: pulumi.Output<string[]>;

    constructor(name: string, args: KindImageLoadArgs, opts?: pulumi.CustomResourceOptions) {
        super(kindImageLoadProvider, "KindImageLoad", name, { ...args, imageIds: args.imageIds ?? [] }, opts);
    }
}
