// What each stack file in stacks/ must produce, written out by hand from the stack file and the docs'
// description of its strategy (docs/swarm.md, docs/kubernetes-routers.md): replica counts, versions, shares, selectors and every routing field.
// Nothing here is computed with the program's rules; a stack file without an entry fails its tests.

/** One release as the stack output's `routing.workloads` lists it. */
export interface WorkloadRow {
    name: string;
    version: string;
    color: "blue" | "green";
    replicas: number;
    /** Percent of ordinary requests (no A/B header or cookie) it should answer. */
    expectedShare: number;
}

export interface KubernetesExpectation {
    /** Deployment name -> its pods' role label, replicas, the version it runs, and its pod selector. */
    deployments: Record<string, { role: string; replicas: number; version: string; selector: Record<string, string> }>;
    /** Service name -> type and selector (the lab namespace's Services only). */
    services: Record<string, { type: string; selector: Record<string, string> }>;
    /** Every app Deployment's spec.strategy, and its minReadySeconds where the stack sets one. */
    replacement: Record<string, unknown>;
    minReadySeconds?: number;
    /** App and monitoring containers of every Deployment and DaemonSet. */
    containers: number;
    /** ingress-nginx: Ingress name -> backend Service and annotations. */
    ingresses?: Record<string, { backend: string; annotations: Record<string, string> }>;
    /** Linkerd, Traefik, and Istio with istio.routes httpRoute: the HTTPRoute's rules. */
    httpRouteRules?: unknown[];
    /** Traefik: the file provider's configuration (the shadow's mirroring service), parsed. */
    traefikDynamic?: unknown;
    /** Istio: the VirtualService's http routes and the DestinationRule's subsets. */
    virtualServiceHttp?: unknown[];
    destinationRuleSubsets?: unknown[];
}

export interface SwarmExpectation {
    /** Swarm service name -> replicas, version, colour and role, in the order the program makes them. */
    services: [name: string, replicas: number, version: string, color: string, role: string][];
    updateConfig: Record<string, unknown>;
    /** HAProxy: the `frontend web` section of haproxy.cfg; NGINX: lines the shadow config must hold. */
    edgeFrontend?: string;
    nginxLines?: string[];
    /** What edge-apply receives (HAProxy's map files), exactly. */
    applyInput?: string;
}

export interface StackExpectation {
    /** The stack output `routing`, exactly. */
    routing: { strategy: string; traffic: string; workloads: WorkloadRow[]; serviceSelector?: Record<string, string>; route?: Record<string, unknown>; edge?: Record<string, string> };
    kubernetes?: KubernetesExpectation;
    swarm?: SwarmExpectation;
}

const app = { "app.kubernetes.io/name": "demo-app" };
const byTrack = (track: string) => ({ ...app, "rollout-lab/track": track });
const byColor = (color: string) => ({ ...app, "rollout-lab/color": color });
const defaultRolling = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } };
const nginx = (k: string) => `nginx.ingress.kubernetes.io/${k}`;
const dest = (subset: string) => ({ host: "demo-app.rollout-lab.svc.cluster.local", port: { number: 80 }, subset });
const trackSubsets = [
    { name: "stable", labels: { "rollout-lab/track": "stable" } },
    { name: "candidate", labels: { "rollout-lab/track": "canary" } },
];
/** A routed stack's two releases: demo-stable (v1, 3 replicas) and demo-canary (v2), each behind its own Service. */
function twoTracks(candidateReplicas: number): Pick<KubernetesExpectation, "deployments" | "services" | "replacement"> {
    return {
        deployments: {
            "demo-stable": { role: "stable", replicas: 3, version: "v1", selector: byTrack("stable") },
            "demo-canary": { role: "candidate", replicas: candidateReplicas, version: "v2", selector: byTrack("canary") },
        },
        services: {
            "demo-app": { type: "ClusterIP", selector: app },
            "demo-stable": { type: "ClusterIP", selector: byTrack("stable") },
            "demo-canary": { type: "ClusterIP", selector: byTrack("canary") },
        },
        replacement: defaultRolling,
    };
}
/** A routed blue/green: both colours at 3 replicas, each behind its own Service, under the parent Service. */
function twoColors(): Pick<KubernetesExpectation, "deployments" | "services" | "replacement"> {
    return {
        deployments: {
            "demo-blue": { role: "stable", replicas: 3, version: "v1", selector: byColor("blue") },
            "demo-green": { role: "candidate", replicas: 3, version: "v2", selector: byColor("green") },
        },
        services: {
            "demo-app": { type: "ClusterIP", selector: app },
            "demo-blue": { type: "ClusterIP", selector: byColor("blue") },
            "demo-green": { type: "ClusterIP", selector: byColor("green") },
        },
        replacement: defaultRolling,
    };
}

/** Traefik's file provider config: the mirroring service between two releases' Services, copying `percent`. */
const traefikMirror = (stable: string, candidate: string, percent: number) => ({
    http: {
        services: {
            "lab-shadow": { mirroring: { service: "lab-stable", mirrorBody: true, mirrors: [{ name: "lab-candidate", percent }] } },
            "lab-stable": { loadBalancer: { servers: [{ url: `http://${stable}.rollout-lab.svc.cluster.local:80` }] } },
            "lab-candidate": { loadBalancer: { servers: [{ url: `http://${candidate}.rollout-lab.svc.cluster.local:80` }] } },
        },
    },
});

const rows = (stable: [string, number, number], candidate: [string, number, number]): WorkloadRow[] => [
    { name: stable[0], version: "v1", color: "blue", replicas: stable[1], expectedShare: stable[2] },
    { name: candidate[0], version: "v2", color: "green", replicas: candidate[1], expectedShare: candidate[2] },
];
const swarmUpdate = { parallelism: 1, delay: "5s", order: "start-first", failureAction: "rollback", monitor: "10s" };
const haproxyEdge = { kind: "haproxy", statsUrl: "http://127.0.0.1:8404/stats" };
const splitFrontend = [
    "frontend web",
    "    bind *:80",
    "    http-request set-var(txn.candidate_percent) str(candidate_percent),map_str_int(/var/lib/haproxy/state/routing.map,0)",
    "    # rand(100) is 0..99: below the percent means the candidate",
    "    acl to_candidate rand(100),sub(txn.candidate_percent) lt 0",
    "    use_backend be_candidate if to_candidate",
    "    default_backend be_stable",
    "",
].join("\n");

export const stackExpectations: Record<string, StackExpectation> = {
    "kind-recreate": {
        routing: { strategy: "recreate", traffic: "native", workloads: [{ name: "demo-app", version: "v1", color: "blue", replicas: 3, expectedShare: 100 }], serviceSelector: app },
        kubernetes: {
            deployments: { "demo-app": { role: "stable", replicas: 3, version: "v1", selector: app } },
            services: { "demo-app": { type: "NodePort", selector: app } },
            replacement: { type: "Recreate" },
            containers: 5,
        },
    },
    "kind-rolling": {
        routing: { strategy: "rolling", traffic: "native", workloads: [{ name: "demo-app", version: "v1", color: "blue", replicas: 4, expectedShare: 100 }], serviceSelector: app },
        kubernetes: {
            deployments: { "demo-app": { role: "stable", replicas: 4, version: "v1", selector: app } },
            services: { "demo-app": { type: "NodePort", selector: app } },
            replacement: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
            minReadySeconds: 5,
            containers: 5,
        },
    },
    "kind-bluegreen": {
        routing: { strategy: "bluegreen", traffic: "native", workloads: rows(["demo-blue", 3, 100], ["demo-green", 3, 0]), serviceSelector: byColor("blue") },
        kubernetes: {
            deployments: {
                "demo-blue": { role: "stable", replicas: 3, version: "v1", selector: byColor("blue") },
                "demo-green": { role: "candidate", replicas: 3, version: "v2", selector: byColor("green") },
            },
            services: { "demo-app": { type: "NodePort", selector: byColor("blue") } },
            replacement: defaultRolling,
            containers: 6,
        },
    },
    "kind-canary": {
        // weight 10 of totalReplicas 10: one candidate pod among ten behind one Service.
        routing: { strategy: "canary", traffic: "native", workloads: rows(["demo-stable", 9, 90], ["demo-canary", 1, 10]), serviceSelector: app },
        kubernetes: {
            deployments: {
                "demo-stable": { role: "stable", replicas: 9, version: "v1", selector: byTrack("stable") },
                "demo-canary": { role: "candidate", replicas: 1, version: "v2", selector: byTrack("canary") },
            },
            services: { "demo-app": { type: "NodePort", selector: app } },
            replacement: defaultRolling,
            containers: 6,
        },
    },
    "kind-canary-nginx": {
        routing: { strategy: "canary", traffic: "nginx", workloads: rows(["demo-stable", 3, 80], ["demo-canary", 1, 20]), serviceSelector: app, route: { candidateWeight: 20 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 6,
            ingresses: {
                "demo-app": { backend: "demo-stable", annotations: {} },
                "demo-app-canary": {
                    backend: "demo-canary",
                    annotations: { [nginx("canary")]: "true", [nginx("canary-weight")]: "20", [nginx("canary-weight-total")]: "100" },
                },
            },
        },
    },
    "kind-canary-linkerd": {
        routing: { strategy: "canary", traffic: "linkerd", workloads: rows(["demo-stable", 3, 90], ["demo-canary", 1, 10]), serviceSelector: app, route: { candidateWeight: 10 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 6,
            ingresses: { "demo-app": { backend: "demo-app", annotations: { [nginx("service-upstream")]: "true" } } },
            httpRouteRules: [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 90 }, { name: "demo-canary", port: 80, weight: 10 }] }],
        },
    },
    "kind-canary-traefik": {
        routing: { strategy: "canary", traffic: "traefik", workloads: rows(["demo-stable", 3, 90], ["demo-canary", 1, 10]), serviceSelector: app, route: { candidateWeight: 10 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            httpRouteRules: [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 90 }, { name: "demo-canary", port: 80, weight: 10 }] }],
            traefikDynamic: traefikMirror("demo-stable", "demo-canary", 0),
        },
    },
    "kind-bluegreen-traefik": {
        routing: { strategy: "bluegreen", traffic: "traefik", workloads: rows(["demo-blue", 3, 100], ["demo-green", 3, 0]), serviceSelector: app, route: { candidateWeight: 0 } },
        kubernetes: {
            ...twoColors(),
            containers: 7,
            httpRouteRules: [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 100 }, { name: "demo-green", port: 80, weight: 0 }] }],
            traefikDynamic: traefikMirror("demo-blue", "demo-green", 0),
        },
    },
    "kind-abtest-traefik": {
        // Header X-Lab-Group: beta or cookie lab_beta=always picks v2; everyone else gets v1.
        routing: {
            strategy: "abtest",
            traffic: "traefik",
            workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]),
            serviceSelector: app,
            route: { matches: [{ header: { name: "X-Lab-Group", value: "beta", regex: false } }, { cookie: "lab_beta" }] },
        },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            httpRouteRules: [
                {
                    matches: [
                        { headers: [{ type: "Exact", name: "X-Lab-Group", value: "beta" }] },
                        { headers: [{ type: "RegularExpression", name: "Cookie", value: "^(.*;\\s*)?lab_beta=always(;.*)?$" }] },
                    ],
                    backendRefs: [{ name: "demo-canary", port: 80 }],
                },
                { backendRefs: [{ name: "demo-stable", port: 80 }] },
            ],
            traefikDynamic: traefikMirror("demo-stable", "demo-canary", 0),
        },
    },
    "kind-shadow-traefik": {
        routing: { strategy: "shadow", traffic: "traefik", workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]), serviceSelector: app, route: { mirrorPercent: 40 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            httpRouteRules: [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "lab-shadow@file" }] }],
            traefikDynamic: traefikMirror("demo-stable", "demo-canary", 40),
        },
    },
    "kind-canary-istio": {
        routing: { strategy: "canary", traffic: "istio", workloads: rows(["demo-stable", 3, 75], ["demo-canary", 1, 25]), serviceSelector: app, route: { candidateWeight: 25 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            virtualServiceHttp: [{ name: "split", route: [{ destination: dest("stable"), weight: 75 }, { destination: dest("candidate"), weight: 25 }] }],
            destinationRuleSubsets: trackSubsets,
        },
    },
    "kind-bluegreen-linkerd": {
        routing: { strategy: "bluegreen", traffic: "linkerd", workloads: rows(["demo-blue", 3, 100], ["demo-green", 3, 0]), serviceSelector: app, route: { candidateWeight: 0 } },
        kubernetes: {
            ...twoColors(),
            containers: 6,
            ingresses: { "demo-app": { backend: "demo-app", annotations: { [nginx("service-upstream")]: "true" } } },
            httpRouteRules: [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 100 }, { name: "demo-green", port: 80, weight: 0 }] }],
        },
    },
    "kind-abtest-nginx": {
        // Header X-Lab-Group: beta or cookie lab_beta=always picks v2; everyone else gets v1.
        routing: {
            strategy: "abtest",
            traffic: "nginx",
            workloads: rows(["demo-stable", 3, 100], ["demo-canary", 2, 0]),
            serviceSelector: app,
            route: { matches: [{ header: { name: "X-Lab-Group", value: "beta", regex: false } }, { cookie: "lab_beta" }] },
        },
        kubernetes: {
            ...twoTracks(2),
            containers: 6,
            ingresses: {
                "demo-app": { backend: "demo-stable", annotations: {} },
                "demo-app-canary": {
                    backend: "demo-canary",
                    annotations: {
                        [nginx("canary")]: "true",
                        [nginx("canary-by-header")]: "X-Lab-Group",
                        [nginx("canary-by-header-value")]: "beta",
                        [nginx("canary-by-cookie")]: "lab_beta",
                    },
                },
            },
        },
    },
    "kind-abtest-linkerd": {
        routing: {
            strategy: "abtest",
            traffic: "linkerd",
            workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]),
            serviceSelector: app,
            route: { matches: [{ header: { name: "User-Agent", value: ".*Firefox.*", regex: true } }] },
        },
        kubernetes: {
            ...twoTracks(1),
            containers: 6,
            ingresses: { "demo-app": { backend: "demo-app", annotations: { [nginx("service-upstream")]: "true" } } },
            httpRouteRules: [
                { matches: [{ headers: [{ type: "RegularExpression", name: "User-Agent", value: ".*Firefox.*" }] }], backendRefs: [{ name: "demo-canary", port: 80 }] },
                { backendRefs: [{ name: "demo-stable", port: 80 }] },
            ],
        },
    },
    "kind-abtest-istio": {
        routing: {
            strategy: "abtest",
            traffic: "istio",
            workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]),
            serviceSelector: app,
            route: { matches: [{ header: { name: "Accept-Language", value: "ko-KR", regex: false } }] },
        },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            virtualServiceHttp: [
                { name: "ab-candidate", match: [{ headers: { "accept-language": { exact: "ko-KR" } } }], route: [{ destination: dest("candidate") }] },
                { name: "ab-stable", route: [{ destination: dest("stable") }] },
            ],
            destinationRuleSubsets: trackSubsets,
        },
    },
    "kind-shadow-nginx": {
        routing: { strategy: "shadow", traffic: "nginx", workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]), serviceSelector: app, route: { mirrorPercent: 100 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 6,
            ingresses: {
                "demo-app": {
                    backend: "demo-stable",
                    annotations: { [nginx("mirror-target")]: "http://demo-canary.rollout-lab.svc.cluster.local$request_uri", [nginx("mirror-request-body")]: "on" },
                },
            },
        },
    },
    "kind-shadow-istio": {
        routing: { strategy: "shadow", traffic: "istio", workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]), serviceSelector: app, route: { mirrorPercent: 50 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            virtualServiceHttp: [{ name: "shadow", route: [{ destination: dest("stable") }], mirror: dest("candidate"), mirrorPercentage: { value: 50 } }],
            destinationRuleSubsets: trackSubsets,
        },
    },
    "kind-shadow-istio-httproute": {
        routing: { strategy: "shadow", traffic: "istio", workloads: rows(["demo-stable", 3, 100], ["demo-canary", 1, 0]), serviceSelector: app, route: { mirrorPercent: 50 } },
        kubernetes: {
            ...twoTracks(1),
            containers: 7,
            // GEP-3171: stable answers; the filter copies half the requests to the candidate's Service.
            httpRouteRules: [
                {
                    filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "demo-canary", port: 80 }, percent: 50 } }],
                    backendRefs: [{ name: "demo-stable", port: 80 }],
                },
            ],
        },
    },
    "swarm-recreate": {
        routing: { strategy: "recreate", traffic: "haproxy", workloads: [{ name: "rollout-lab-demo-app", version: "v1", color: "blue", replicas: 3, expectedShare: 100 }], edge: haproxyEdge },
        swarm: {
            services: [["rollout-lab-demo-app", 3, "v1", "blue", "stable"]],
            updateConfig: { parallelism: 0, order: "stop-first", delay: "0s", failureAction: "pause" },
            edgeFrontend: "frontend web\n    bind *:80\n    default_backend be_stable\n",
            applyInput: "",
        },
    },
    "swarm-rolling": {
        routing: { strategy: "rolling", traffic: "haproxy", workloads: [{ name: "rollout-lab-demo-app", version: "v1", color: "blue", replicas: 4, expectedShare: 100 }], edge: haproxyEdge },
        swarm: {
            services: [["rollout-lab-demo-app", 4, "v1", "blue", "stable"]],
            updateConfig: swarmUpdate,
            edgeFrontend: "frontend web\n    bind *:80\n    default_backend be_stable\n",
            applyInput: "",
        },
    },
    "swarm-bluegreen": {
        routing: { strategy: "bluegreen", traffic: "haproxy", workloads: rows(["rollout-lab-demo-blue", 3, 100], ["rollout-lab-demo-green", 3, 0]), edge: haproxyEdge },
        swarm: {
            services: [
                ["rollout-lab-demo-blue", 3, "v1", "blue", "stable"],
                ["rollout-lab-demo-green", 3, "v2", "green", "candidate"],
            ],
            updateConfig: swarmUpdate,
            edgeFrontend: splitFrontend,
            applyInput: "=== routing.map\ncandidate_percent 0\n",
        },
    },
    "swarm-canary": {
        routing: { strategy: "canary", traffic: "haproxy", workloads: rows(["rollout-lab-demo-stable", 3, 90], ["rollout-lab-demo-canary", 1, 10]), edge: haproxyEdge },
        swarm: {
            services: [
                ["rollout-lab-demo-stable", 3, "v1", "blue", "stable"],
                ["rollout-lab-demo-canary", 1, "v2", "green", "candidate"],
            ],
            updateConfig: swarmUpdate,
            edgeFrontend: splitFrontend,
            applyInput: "=== routing.map\ncandidate_percent 10\n",
        },
    },
    "swarm-abtest": {
        routing: { strategy: "abtest", traffic: "haproxy", workloads: rows(["rollout-lab-demo-stable", 3, 100], ["rollout-lab-demo-canary", 3, 0]), edge: haproxyEdge },
        swarm: {
            services: [
                ["rollout-lab-demo-stable", 3, "v1", "blue", "stable"],
                ["rollout-lab-demo-canary", 3, "v2", "green", "candidate"],
            ],
            updateConfig: swarmUpdate,
            edgeFrontend: [
                "frontend web",
                "    bind *:80",
                "    http-request set-var(txn.ab_match) req.hdr(X-Canary),map_str_int(/var/lib/haproxy/state/ab.map,0)",
                "    use_backend be_candidate if { var(txn.ab_match) -m int 1 }",
                "    default_backend be_stable",
                "",
            ].join("\n"),
            applyInput: "=== ab.map\non 1\n",
        },
    },
    "swarm-shadow": {
        routing: { strategy: "shadow", traffic: "nginx", workloads: rows(["rollout-lab-demo-stable", 3, 100], ["rollout-lab-demo-canary", 3, 0]), edge: { kind: "nginx", statsUrl: "http://127.0.0.1:8404/nginx_status" } },
        swarm: {
            services: [
                ["rollout-lab-demo-stable", 3, "v1", "blue", "stable"],
                ["rollout-lab-demo-canary", 3, "v2", "green", "candidate"],
            ],
            updateConfig: swarmUpdate,
            // shadow.percent 100: every request is copied to the candidate.
            nginxLines: ["        * 1;", "            proxy_pass $candidate_target$request_uri;", "            set $candidate_target http://tasks.rollout-lab-demo-canary:8080;"],
        },
    },
};

/** The expectation of a stack; fails when none is written down. */
export function expectationFor(stack: string): StackExpectation {
    const e = stackExpectations[stack];
    if (e === undefined) {
        throw new Error(`no expectations written down for stack ${stack}: add it to test/support/stackExpectations.ts`);
    }
    return e;
}
