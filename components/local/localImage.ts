import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { changedKeys, runLocal } from "./localProcess";

/** What a local image build is made from; a change to any of these rebuilds it. */
export interface LocalImageInputs {
    /** The tag the image gets, e.g. rollout-lab/demo-app:v2. */
    imageName: string;
    /** The build context folder. */
    context: string;
    /** The Dockerfile, inside or beside the context. */
    dockerfile: string;
    /** Docker build arguments. */
    buildArgs: Record<string, string>;
    /** A hash of the context's files (contextHash), so an unchanged context means no build and no Docker call. */
    contextHash: string;
}

export interface LocalImageOutputs extends LocalImageInputs {
    /** The image's ID (sha256:...) as the engine built it; what a load into kind follows. */
    imageId: string;
}

// The context's path is not compared: the hash covers its files, so a checkout in another folder (CI's
// fresh clone) finds the image it built before.
const inputKeys = ["imageName", "buildArgs", "contextHash"] as const;

/**
 * A hash of every file under `dir` that a build would send: paths and contents, sorted, skipping the
 * names the context's .dockerignore lists at its top level (node_modules, dist, ...).
 */
export function contextHash(dir: string, dockerfile?: string): string {
    const ignoreFile = path.join(dir, ".dockerignore");
    const ignored = new Set(
        fs.existsSync(ignoreFile)
            ? fs.readFileSync(ignoreFile, "utf8").split("\n").map((l) => l.trim().replace(/^\/+|\/+$/g, "")).filter((l) => l !== "" && !l.startsWith("#"))
            : [],
    );
    const hash = crypto.createHash("sha256");
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (ignored.has(relPath)) {
                continue;
            }
            if (entry.isDirectory()) {
                walk(relPath);
            } else if (entry.isFile()) {
                hash.update(`${relPath}\0`).update(fs.readFileSync(path.join(dir, relPath))).update("\0");
            }
        }
    };
    walk("");
    if (dockerfile !== undefined && !path.resolve(dockerfile).startsWith(path.resolve(dir) + path.sep)) {
        hash.update("Dockerfile\0").update(fs.readFileSync(dockerfile));
    }
    return hash.digest("hex").slice(0, 16);
}

const localImageProvider: pulumi.dynamic.ResourceProvider<LocalImageInputs, LocalImageOutputs> = {
    async diff(_id, olds, news) {
        const changed = changedKeys(olds, news, inputKeys);
        return { changes: changed.length > 0 };
    },
    async create(inputs) {
        return { id: inputs.imageName, outs: { ...inputs, imageId: await buildImage(inputs) } };
    },
    async update(_id, _olds, news) {
        return { outs: { ...news, imageId: await buildImage(news) } };
    },
    async read(id, props) {
        // Refresh: the image may have been removed from the engine since; report what is there now.
        const found = await imageIdOf(id).catch(() => "");
        return { id, props: { ...(props as LocalImageOutputs), imageId: found } };
    },
    // Destroy leaves the image in the local engine: it is the build cache of the next `up`.
    async delete() {},
};

async function buildImage(inputs: LocalImageInputs): Promise<string> {
    const args = ["build", "--quiet", "-t", inputs.imageName, "-f", inputs.dockerfile];
    for (const [k, v] of Object.entries(inputs.buildArgs ?? {})) {
        args.push("--build-arg", `${k}=${v}`);
    }
    args.push("--label", `rollout-lab.context-hash=${inputs.contextHash}`, inputs.context);
    await runLocal("docker", args, { timeoutMs: 30 * 60 * 1000 });
    return imageIdOf(inputs.imageName);
}

async function imageIdOf(imageName: string): Promise<string> {
    return (await runLocal("docker", ["image", "inspect", "--format", "{{.Id}}", imageName])).trim();
}

export interface LocalImageArgs {
    /** The tag the image gets. */
    imageName: pulumi.Input<string>;
    /** The build context folder. */
    context: string;
    /** The Dockerfile (default: <context>/Dockerfile). */
    dockerfile?: string;
    /** Docker build arguments. */
    buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * An image built by the local Docker engine, never pushed. Content-addressed: the build runs only when
 * the context's files, the Dockerfile, the build arguments or the tag change, so a `pulumi up` that
 * changes only routing makes no Docker call for it.
 */
export class LocalImage extends LabResource {
    declare public readonly imageName: pulumi.Output<string>;
    declare public readonly imageId: pulumi.Output<string>;
    declare public readonly contextHash: pulumi.Output<string>;

    constructor(name: string, args: LocalImageArgs, opts?: pulumi.CustomResourceOptions) {
        const dockerfile = args.dockerfile ?? path.join(args.context, "Dockerfile");
        super(
            localImageProvider,
            "LocalImage",
            name,
            { imageName: args.imageName, context: args.context, dockerfile, buildArgs: args.buildArgs ?? {}, contextHash: contextHash(args.context, dockerfile), imageId: undefined },
            opts,
        );
    }
}
