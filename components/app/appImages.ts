import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { LocalImage } from "../local";

/** The port the demo app listens on in its container (app/src/settings.ts: PORT). */
export const appPort = 8080;

/** The demo app's source folder, the Docker build context. */
export const appSourceDir = path.resolve(__dirname, "..", "..", "app");

export interface AppImagesArgs {
    /** Image repository, e.g. rollout-lab/demo-app. */
    repository: string;
    /** Tags to build; the same source is tagged once per release so each release has its own image. */
    tags: string[];
    /** Base image of the Dockerfile's stages. */
    baseImage: string;
}

/** Builds the demo app image locally (never pushed) once per release tag. */
export class AppImages extends pulumi.ComponentResource {
    public readonly images: Record<string, LocalImage>;

    constructor(name: string, args: AppImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:app:AppImages", name, {}, opts);
        this.images = {};
        for (const tag of [...new Set(args.tags)]) {
            this.images[tag] = new LocalImage(
                `${name}-${tag}`,
                { imageName: `${args.repository}:${tag}`, context: appSourceDir, dockerfile: path.join(appSourceDir, "Dockerfile"), buildArgs: { BASE_IMAGE: args.baseImage } },
                { parent: this },
            );
        }
        this.registerOutputs({ images: Object.fromEntries(Object.entries(this.images).map(([t, i]) => [t, i.imageName])) });
    }
}

export interface ReleaseImages {
    /** Image reference for each release. */
    refs: { stable: pulumi.Input<string>; candidate: pulumi.Input<string> };
    /** The local builds, by tag; empty when the images come from a registry. */
    built: Record<string, LocalImage>;
}

/** The image each release runs: built locally from app/ when `build`, else pulled as `<image>:<tag>`. */
export function releaseImages(
    name: string,
    config: { app: { image: string; baseImage: string }; stable: { imageTag: string }; candidate: { imageTag: string } },
    build: boolean,
    parent: pulumi.Resource,
): ReleaseImages {
    const tags = { stable: config.stable.imageTag, candidate: config.candidate.imageTag };
    if (!build) {
        return { refs: { stable: `${config.app.image}:${tags.stable}`, candidate: `${config.app.image}:${tags.candidate}` }, built: {} };
    }
    const images = new AppImages(name, { repository: config.app.image, tags: [tags.stable, tags.candidate], baseImage: config.app.baseImage }, { parent });
    return { refs: { stable: images.images[tags.stable].imageName, candidate: images.images[tags.candidate].imageName }, built: images.images };
}
