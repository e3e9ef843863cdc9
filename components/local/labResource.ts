import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

// The lab's own resources are Pulumi dynamic resources: each carries its provider's code as text
// (`__provider`), which @pulumi/pulumi makes by serializing the provider's functions and what they
// capture, once per provider and process. That costs 420 ms for the first provider of a process (the
// serializer's own loading) and ~85 ms for each next one, measured here, and every `lab up` is a new
// process: a kind stack with four of them paid ~0.7 s before its first resource (the kind cluster,
// which everything waits for) could be registered. Here the text is kept in node_modules/.cache, under
// a key made of everything the text depends on: this folder's sources, the provider's functions, the
// SDK's and Node's versions. A change to any of them makes a new key, serialized afresh once. The text
// is the serializer's own, so a stack's `__provider` input does not change with this cache.

const sdkVersion = (JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version;

let sources: string | undefined;
/** This folder's sources (not its tests): a provider captures only what they define. */
function sourcesDigest(): string {
    if (sources === undefined) {
        const hash = crypto.createHash("sha256").update(__dirname);
        for (const f of fs.readdirSync(__dirname).filter((n) => /\.(ts|js)$/.test(n) && !/\.test\.(ts|js)$/.test(n)).sort()) {
            hash.update(f).update(fs.readFileSync(path.join(__dirname, f)));
        }
        sources = hash.digest("hex");
    }
    return sources;
}

/** Where the texts are kept: the project's node_modules/.cache (a folder tools keep caches in). */
export function providerCacheDir(): string {
    return path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "..", "..", ".cache", "rollout-lab-providers");
}

/** The cache key of a provider's text. */
export function providerKey(type: string, provider: object): string {
    const hash = crypto.createHash("sha256").update([sdkVersion, process.version, type, sourcesDigest()].join("\0"));
    for (const [k, v] of Object.entries(provider)) hash.update(`\0${k}\0${String(v)}`);
    return hash.digest("hex").slice(0, 40);
}

const texts = new Map<string, pulumi.Input<string>>();

/** Forgets the texts this process has made or read (for tests of the cache on disk). */
export function forgetProviderTexts(): void {
    texts.clear();
}

/** The provider's text: from the cache, or serialized (and then kept) where the cache has none. */
export function providerText(type: string, provider: object): pulumi.Input<string> {
    const key = providerKey(type, provider);
    const known = texts.get(key);
    if (known !== undefined) return known;
    const file = path.join(providerCacheDir(), `${type}-${key}.js`);
    let text: pulumi.Input<string>;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as typeof import("@pulumi/pulumi/runtime/closure/serializeClosure");
        text = pulumi.output(
            closure.serializeFunction(() => provider, { allowSecrets: false }).then((sf) => {
                try {
                    fs.mkdirSync(path.dirname(file), { recursive: true });
                    const partial = `${file}.${process.pid}`;
                    fs.writeFileSync(partial, sf.text);
                    fs.renameSync(partial, file);
                } catch {
                    // A folder that cannot be written: serialized again next time, nothing else lost.
                }
                return sf.text;
            }),
        );
    }
    texts.set(key, text);
    return text;
}

/** A dynamic resource of type `pulumi-nodejs:dynamic/rollout-lab:<type>`, as pulumi.dynamic.Resource makes one, its provider's text cached. */
export class LabResource extends pulumi.CustomResource {
    constructor(provider: pulumi.dynamic.ResourceProvider, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in props) {
            throw new Error("a dynamic resource must not define the __provider key");
        }
        super(`pulumi-nodejs:dynamic/rollout-lab:${type}`, name, { ...props, __provider: providerText(type, provider) }, opts);
    }
}
