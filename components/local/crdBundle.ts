import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { changedKeys, runLocal } from "./localProcess";
import { LabCluster, kubectlAccess } from "./clusterAccess";

// A file of CRDs (the Gateway API's standard install, Traefik's own) as one resource whose inputs are the
// file's name and digest, not its objects. As twelve resources read through the Kubernetes provider the
// Gateway API's 722 KB of CRDs cost ~1.5 s of every `up` of a stack that has them, on the route's critical
// path (render mode, kind-bluegreen-traefik: 2.30-2.37 s against 0.81-0.85 s without them), and a change of
// one weight paid it too. Here they cost a digest: applied with `kubectl apply --server-side` (the objects
// are too large for client-side apply's annotation) when created and when the file's content, the file or
// the cluster changes, then waited for until established; deleted by the names the apply printed.

export interface CrdBundleInputs {
    /** The file or URL, as the stack config gives it. */
    file: string;
    /** The file's sha256 (a URL's: the URL itself; a release URL does not change). */
    digest: string;
    /** What identifies the cluster: a new cluster under the same kubeconfig applies again. */
    cluster: string;
    /** Render mode: the folder the Kubernetes provider writes manifests to; the file is copied into its 0-crd folder. */
    renderTo?: string;
    kubeconfig?: string;
    kubeconfigFile?: string;
    context?: string;
}

export interface CrdBundleOutputs extends CrdBundleInputs {
    /** kubectl's names of the objects applied (customresourcedefinition.apiextensions.k8s.io/…), deleted with the bundle. */
    objects: string[];
}

const bundleKeys = ["file", "digest", "cluster", "renderTo"] as const;

/** The digest a bundle's file is known by: the sha256 of a local file's bytes, or the URL itself. */
export function bundleDigest(file: string, key = "crds"): string {
    if (/^https?:\/\//.test(file)) return file;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require("crypto") as typeof import("crypto");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("fs") as typeof import("fs");
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        throw new Error(`rollout-lab:${key}: cannot read the CRD file ${file} (${(e as Error).message}); allowed: a readable local file or an http(s) URL`);
    }
    return `sha256:${crypto.createHash("sha256").update(bytes).digest("hex")}`;
}

/** Where render mode writes the bundle: beside the provider's own CRD manifests. */
export function renderedBundlePath(renderTo: string, file: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const path = require("path") as typeof import("path");
    return path.join(renderTo, "0-crd", `bundle-${path.basename(file).replace(/[^A-Za-z0-9._-]/g, "_")}`);
}

async function applyBundle(inputs: CrdBundleInputs): Promise<string[]> {
    if (inputs.renderTo !== undefined) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fs = require("fs") as typeof import("fs");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const path = require("path") as typeof import("path");
        const text = /^https?:\/\//.test(inputs.file) ? await (await fetch(inputs.file)).text() : fs.readFileSync(inputs.file, "utf8");
        const target = renderedBundlePath(inputs.renderTo, inputs.file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
        return [];
    }
    const base = kubectlAccess(inputs, "rollout-lab-crds-");
    try {
        const printed = await runLocal("kubectl", [...base.args, "apply", "--server-side", "--force-conflicts", "--field-manager=rollout-lab", "-o", "name", "-f", inputs.file], { timeoutMs: 5 * 60_000 });
        const objects = printed.split("\n").map((l) => l.trim()).filter((l) => l !== "");
        const crds = objects.filter((o) => o.startsWith("customresourcedefinition."));
        if (crds.length > 0) {
            await runLocal("kubectl", [...base.args, "wait", "--for=condition=Established", "--timeout=120s", ...crds], { timeoutMs: 150_000 });
        }
        return objects;
    } finally {
        base.done();
    }
}

export const crdBundleProvider: pulumi.dynamic.ResourceProvider<CrdBundleInputs, CrdBundleOutputs> = {
    async diff(_id, olds, news) {
        return { changes: changedKeys(olds, news, bundleKeys).length > 0 };
    },
    async create(inputs) {
        return { id: inputs.digest, outs: { ...inputs, objects: await applyBundle(inputs) } };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, objects: await applyBundle(news) } };
    },
    async delete(_id, props) {
        if (props.renderTo !== undefined) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            (require("fs") as typeof import("fs")).rmSync(renderedBundlePath(props.renderTo, props.file), { force: true });
            return;
        }
        if ((props.objects ?? []).length === 0) return;
        const base = kubectlAccess(props, "rollout-lab-crds-");
        try {
            await runLocal("kubectl", [...base.args, "delete", "--ignore-not-found", "--wait=true", ...props.objects], { timeoutMs: 5 * 60_000 });
        } finally {
            base.done();
        }
    },
};

/** A CRD file applied as one resource: see the file's head. */
export class CrdBundle extends LabResource {
    declare public readonly objects: pulumi.Output<string[]>;

    /** `key`: the config key that names the file, for the error when it cannot be read. */
    constructor(name: string, args: { file: string; key: string; cluster: LabCluster }, opts?: pulumi.CustomResourceOptions) {
        const access = args.cluster.access ?? {};
        super(
            crdBundleProvider,
            "CrdBundle",
            name,
            {
                file: args.file,
                digest: bundleDigest(args.file, args.key),
                cluster: args.cluster.id,
                renderTo: args.cluster.renderTo,
                kubeconfig: access.kubeconfig,
                kubeconfigFile: access.kubeconfigFile,
                context: access.context,
                objects: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
        );
    }
}
