import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component whose type token was renamed: the type it had is an alias, so the engine finds
 * the component and every child (their URNs carry the parent's type) where they were, and a `pulumi up`
 * after the rename replaces and deletes nothing.
 */
export function formerType(type: string, opts?: pulumi.ComponentResourceOptions): pulumi.ComponentResourceOptions {
    return { ...opts, aliases: [...(opts?.aliases ?? []), { type }] };
}
