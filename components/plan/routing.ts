import type { LabConfig } from "../config/schema";
import { Role } from "../vocabulary";

/** A/B: a header whose value equals `value` (or matches it as a regular expression), or a cookie set to "always". */
export type AbMatch = { header: { name: string; value: string; regex: boolean } } | { cookie: string };

/** Where requests go, derived once from the stack config; every router renders this and nothing else. */
export type Routing =
    /** recreate, rolling: one release runs; `live` says which. */
    | { kind: "single"; live: Role }
    /** blue/green: both run; the active one answers every request. */
    | { kind: "switch"; active: Role }
    /**
     * canary: the candidate answers `candidateWeight` percent of requests; with `sticky`, of users: a
     * user's bucket (stickyCookie, 0..99) below the weight is the candidate's.
     */
    | { kind: "split"; candidateWeight: number; sticky?: true }
    /** A/B: a request matching any rule goes to the candidate, every other to stable. */
    | { kind: "match"; matches: AbMatch[] }
    /** shadow: stable answers everything; `percent` of requests are copied to the candidate, its answers dropped. */
    | { kind: "mirror"; percent: number };

/** A match routing's header rule and cookie rule, each if it has one. */
export function abRules(matches: readonly AbMatch[]): { header?: { name: string; value: string; regex: boolean }; cookie?: string } {
    const header = matches.find((m): m is Extract<AbMatch, { header: unknown }> => "header" in m)?.header;
    const cookie = matches.find((m): m is Extract<AbMatch, { cookie: string }> => "cookie" in m)?.cookie;
    return { ...(header !== undefined ? { header } : {}), ...(cookie !== undefined ? { cookie } : {}) };
}

/** The cookie that holds a user's bucket (0..99) under a sticky canary. */
export const stickyCookie = "rollout_bucket";

/** The buckets a sticky canary draws from: a user's bucket below the weight is the candidate's. */
export const stickyBuckets = 100;

/** How a new user's bucket is set: the Set-Cookie header value of the first answer (a month, as on every router). */
export function stickyCookieValue(bucket: number): string {
    return `${stickyCookie}=${bucket}; Path=/; Max-Age=2592000; SameSite=Lax`;
}

/**
 * A regular expression for a Cookie header that carries a bucket from `from` to `to - 1` (written without
 * leading zeros, as set) among any other cookies; the whole value must match (RE2 and JavaScript alike).
 */
export function bucketCookieRegex(from: number, to: number): string {
    const buckets = Array.from({ length: to - from }, (_, i) => String(from + i));
    return `^(.*;\\s*)?${stickyCookie}=(${buckets.join("|")})(;.*)?$`;
}

/** The cookie value that sends a request to the candidate, as ingress-nginx's canary-by-cookie defines it. */
export const abCookieValue = "always";

/** A regular expression for a Cookie header that carries `<name>=always` among any other cookies. */
export function cookieRegex(name: string): string {
    return `^(.*;\\s*)?${name}=${abCookieValue}(;.*)?$`;
}

/** The routing a stack's config asks for. The only place that reads canary.weight, bluegreen.activeColor, abtest and shadow. */
export function routingFor(config: LabConfig): Routing {
    switch (config.strategy) {
        case "recreate":
        case "rolling":
            return { kind: "single", live: config.release };
        case "bluegreen":
            return { kind: "switch", active: config.bluegreen.activeColor === "green" ? "candidate" : "stable" };
        case "canary":
            return { kind: "split", candidateWeight: config.canary.weight, ...(config.canary.sticky ? { sticky: true as const } : {}) };
        case "abtest": {
            const ab = config.abtest;
            const matches: AbMatch[] = [];
            if (ab?.header !== undefined && ab.value !== undefined) {
                matches.push({ header: { name: ab.header, value: ab.value, regex: ab.valueMatch === "regex" } });
            }
            if (ab?.cookie !== undefined) {
                matches.push({ cookie: ab.cookie });
            }
            return { kind: "match", matches };
        }
        case "shadow":
            return { kind: "mirror", percent: config.shadow.percent };
    }
}

/**
 * The candidate's percent of requests where the routing splits by chance: the canary's weight, and 100 or
 * 0 for blue/green (a switch is a split that gives one side everything). Undefined where nothing is split
 * by chance: one release (single), a rule (match), a copy (mirror).
 */
export function weightedSplit(routing: Routing): number | undefined {
    switch (routing.kind) {
        case "switch":
            return routing.active === "candidate" ? 100 : 0;
        case "split":
            return routing.candidateWeight;
        default:
            return undefined;
    }
}
