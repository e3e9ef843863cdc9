import { z } from "zod";

// The field types the stack config is made of. `pulumi config set --path` stores floats as strings and
// unquoted YAML turns `version: 2` into a number: each accepts both spellings and lets the schema judge.

export const labelValue = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const imageTag = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const promDuration = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
export const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const looksNumeric = (v: unknown) => typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v));
export function num<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (looksNumeric(v) ? Number(v) : v), schema);
}
export function str<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (typeof v === "number" ? String(v) : v), schema);
}
export function bool<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), schema);
}

/** An int or a percentage string, as Kubernetes takes for maxSurge / maxUnavailable. */
export const intOrPercent = num(z.union([
    z.number().int().min(0),
    z.string().regex(/^(100|[1-9]?[0-9])%$/, { message: "a percentage such as \"25%\"" }),
]));

/** An IPv4 address to publish on. */
export const ipv4 = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, { message: "an IPv4 address" });
