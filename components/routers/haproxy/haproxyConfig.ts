import { RoutingKind, Routing, abRules, stickyCookie, weightedSplit } from "../../plan";
import { ServerSet } from "../serverSet";

// The HAProxy edge of the Swarm lab. The configuration fixes the *shape* of the routing (which backends,
// which header or cookie); the *values* a lesson changes — the candidate's percent (blue/green is 0 or
// 100) and the A/B match values — live in map files that HAProxy's runtime API updates in place. A
// weight change therefore touches no process: no image rebuild, no restart, no reload, no dropped
// connection, and it is in effect the moment the runtime API answers. The map files sit on a volume, so
// a restarted HAProxy comes back with the values last applied.


export interface HaproxySpec {
    /** The routing's kind: the shape of the frontend (HAProxy does not mirror). */
    routing: Exclude<RoutingKind, "mirror">;
    stable: ServerSet;
    /** Absent for single routing: one release at a time (recreate, rolling). */
    candidate?: ServerSet;
    /** A/B: the request header or cookie whose value sends a request to the candidate. */
    match?: { header?: string; cookie?: string };
    /** split: keep each user on one version by a bucket cookie (canary.sticky) instead of a draw per request. */
    sticky?: boolean;
    /** Where the lab's entry point listens, e.g. "*:80" in the container. */
    bind: string;
    /** Where the stats page (and /metrics for Prometheus) listens. */
    statsBind: string;
    /** Runtime API socket. */
    socketPath: string;
    /** Folder holding routing.map and ab.map. */
    stateDir: string;
    /** Docker's embedded DNS; needed when a ServerSet is `dns`. */
    nameserver?: string;
}

export const routingMapFile = "routing.map";
export const abMapFile = "ab.map";

/** The values a lesson changes, applied through the runtime API; a strategy sets only those it uses. */
export interface RoutingState {
    /** blue/green and canary: percent of requests (0..100) that go to the candidate by chance. */
    candidatePercent?: number;
    /** A/B: header or cookie values that send a request to the candidate. */
    matchValues?: string[];
}

export function routingStateFor(routing: Routing): RoutingState {
    const weight = weightedSplit(routing);
    if (weight !== undefined) {
        return { candidatePercent: weight };
    }
    if (routing.kind === "match") {
        // The header's value is what a lesson changes; a cookie rule's value is fixed ("always", as
        // ingress-nginx's canary-by-cookie), so it lives in the configuration, not in a map.
        const { header } = abRules(routing.matches);
        return header !== undefined ? { matchValues: [header.value] } : {};
    }
    return {};
}

/** The map files' contents for a routing state: only the maps its strategy's configuration loads. */
export function routingMaps(state: RoutingState): Record<string, string> {
    const maps: Record<string, string> = {};
    if (state.candidatePercent !== undefined) {
        maps[routingMapFile] = `candidate_percent ${state.candidatePercent}\n`;
    }
    if (state.matchValues !== undefined) {
        maps[abMapFile] = state.matchValues.map((v) => `${v} 1\n`).join("");
    }
    return maps;
}

function servers(name: string, set: ServerSet): string[] {
    // Health checks on /ready take a draining task out within two seconds; retries send a request whose
    // connection failed to another server, so a task stopping never surfaces as an error.
    const check = "check inter 1s fall 2 rise 1";
    if (set.kind === "static") {
        return set.addresses.map((a, i) => `    server ${name}${i + 1} ${a} ${check}`);
    }
    return [
        `    server-template ${name} ${set.slots} ${set.hostname}:${set.port} ${check} resolvers docker init-addr none resolve-prefer ipv4`,
    ];
}

function backend(name: string, set: ServerSet): string[] {
    return [
        `backend ${name}`,
        "    balance roundrobin",
        "    option httpchk GET /ready",
        "    http-check expect status 200",
        ...servers(name === "be_stable" ? "stable" : "candidate", set),
        "",
    ];
}

/**
 * A sticky split: each user's bucket (0..99) comes from their cookie; a user without one draws it once
 * and gets it back in a Set-Cookie. A bucket below the percent is the candidate's, so a user stays put
 * while the percent stands, raising it moves exactly the buckets it adds, and 0 sends everyone to stable.
 */
function stickyBucket(): string[] {
    return [
        `    http-request set-var(txn.bucket) req.cook_val(${stickyCookie}) if { req.cook(${stickyCookie}) -m reg ^[0-9]{1,2}$ }`,
        "    http-request set-var(txn.new_bucket) rand(100) unless { var(txn.bucket) -m found }",
        "    http-request set-var(txn.bucket) var(txn.new_bucket) if { var(txn.new_bucket) -m found }",
        "    acl to_candidate var(txn.bucket),sub(txn.candidate_percent) lt 0",
        `    http-response add-header Set-Cookie "${stickyCookie}=%[var(txn.new_bucket)]; Path=/; Max-Age=2592000; SameSite=Lax" if { var(txn.new_bucket) -m found }`,
    ];
}

function frontendRouting(spec: HaproxySpec): string[] {
    const map = (file: string) => `${spec.stateDir}/${file}`;
    switch (spec.routing) {
        case "single":
            return ["    default_backend be_stable"];
        case "switch":
        case "split":
            return [
                `    http-request set-var(txn.candidate_percent) str(candidate_percent),map_str_int(${map(routingMapFile)},0)`,
                ...(spec.sticky && spec.routing === "split" ? stickyBucket() : ["    # rand(100) is 0..99: below the percent means the candidate", "    acl to_candidate rand(100),sub(txn.candidate_percent) lt 0"]),
                "    use_backend be_candidate if to_candidate",
                "    default_backend be_stable",
            ];
        case "match": {
            // Header and cookie rules both send to the candidate, as the Kubernetes routers do with both set.
            const { header, cookie } = spec.match ?? {};
            if (header === undefined && cookie === undefined) {
                throw new Error('routing "match" needs a header or a cookie to match');
            }
            return [
                ...(header === undefined
                    ? []
                    : [
                          `    http-request set-var(txn.ab_match) req.hdr(${header}),map_str_int(${map(abMapFile)},0)`,
                          "    use_backend be_candidate if { var(txn.ab_match) -m int 1 }",
                      ]),
                ...(cookie === undefined ? [] : [`    use_backend be_candidate if { req.cook(${cookie}) -m str always }`]),
                "    default_backend be_stable",
            ];
        }
    }
}

/** The whole haproxy.cfg for a spec. */
export function renderHaproxyConfig(spec: HaproxySpec): string {
    const usesDns = [spec.stable, spec.candidate].some((s) => s?.kind === "dns");
    if (spec.routing !== "single" && spec.candidate === undefined) {
        throw new Error(`routing "${spec.routing}" needs a candidate backend`);
    }
    const lines = [
        "# Generated by rollout-lab from the stack config. Routing values live in the map files and",
        "# change through the runtime API (see components/routers/haproxy/haproxyConfig.ts).",
        "global",
        "    log stdout format raw local0 notice",
        `    stats socket ${spec.socketPath} mode 600 level admin expose-fd listeners`,
        "    stats timeout 30s",
        "    hard-stop-after 30s",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option dontlognull",
        "    option redispatch",
        "    retries 3",
        "    retry-on conn-failure empty-response 503",
        "    timeout connect 2s",
        "    timeout client 30s",
        "    timeout server 30s",
        "    timeout http-keep-alive 5s",
        "",
    ];
    if (usesDns) {
        lines.push(
            "resolvers docker",
            `    nameserver dns ${spec.nameserver ?? "127.0.0.11:53"}`,
            "    resolve_retries 3",
            "    timeout resolve 1s",
            "    timeout retry 1s",
            "    hold valid 1s",
            "    hold other 1s",
            "    hold refused 1s",
            "    hold nx 1s",
            "    hold timeout 1s",
            "    hold obsolete 1s",
            "    accepted_payload_size 8192",
            "",
        );
    }
    lines.push(
        "frontend stats",
        `    bind ${spec.statsBind}`,
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /stats",
        "    stats refresh 5s",
        "",
        "frontend web",
        `    bind ${spec.bind}`,
        ...frontendRouting(spec),
        "",
        ...backend("be_stable", spec.stable),
    );
    if (spec.candidate !== undefined) {
        lines.push(...backend("be_candidate", spec.candidate));
    }
    return lines.join("\n");
}

/** What edge-apply.sh reads on stdin: each map file's full content under a `=== <file>` header. */
export function edgeApplyInput(state: RoutingState): string {
    return Object.entries(routingMaps(state))
        .map(([file, content]) => `=== ${file}\n${content}`)
        .join("");
}
