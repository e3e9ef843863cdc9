import { strict as assert } from "assert";
import { parseLabConfig } from "../components/labConfig";
import { LabPlan, SplitMode, labPlan } from "../components/plan";
import { declarationOf, providersFor } from "../components/routers/capabilities";
import { routerDeclarations } from "../components/routers/declarationRegistry";
import { routerSettings } from "../components/routers/router";
import { TrafficProvider, routerSections } from "../components/vocabulary";
import { platformView } from "../tools/lab/stackFile";
import { routingStateFor } from "../components/routers/haproxy/haproxyConfig";
import { haproxyEdgeFiles } from "../components/routers/haproxy";
import { istioHttpRouteRules } from "../components/routers/istio/istioHttpRoute";
import { virtualServiceHttp } from "../components/routers/istio/istioRoutes";
import { httpRouteRules } from "../components/routers/linkerd/httpRoute";
import { nativeSelector } from "../components/routers/native";
import { canaryAnnotations, nginxIngressSpecs } from "../components/routers/nginx/nginxIngress";
import { dynamicConfig, traefikRouteRules } from "../components/routers/traefik/traefikRoutes";
import * as YAML from "yaml";

// Every router renders the same plan its own way: one plan per routing kind, and what each router must
// make of it, written out. A rule one router honours and another drops shows up here as a difference.

const v2 = { version: "v2", replicas: 1 };
const plans: Record<string, (splitsBy: SplitMode) => LabPlan> = {
    "switch to green": (s) => labPlan(parseLabConfig({ strategy: "bluegreen", candidate: v2, bluegreen: { activeColor: "green" } }), s),
    "split 30": (s) => labPlan(parseLabConfig({ strategy: "canary", candidate: v2, canary: { weight: 30 } }), s),
    "match header or cookie": (s) => labPlan(parseLabConfig({ strategy: "abtest", traffic: "istio", candidate: v2, abtest: { header: "X-Group", value: "beta", cookie: "beta" } }), s),
    "mirror 40": (s) => labPlan(parseLabConfig({ strategy: "shadow", traffic: "istio", candidate: v2, shadow: { percent: 40 } }), s),
    "match header regex": (s) => labPlan(parseLabConfig({ strategy: "abtest", traffic: "traefik", candidate: v2, abtest: { header: "User-Agent", value: ".*Firefox.*", valueMatch: "regex" } }), s),
    "single, candidate live": (s) => labPlan(parseLabConfig({ strategy: "rolling", candidate: v2, release: "candidate" }), s),
};
const nginx = (k: string) => `nginx.ingress.kubernetes.io/${k}`;
const dest = (subset: string) => ({ host: "demo-app.lab.svc.cluster.local", subset, port: { number: 80 } });
const cookie = "^(.*;\\s*)?beta=always(;.*)?$";

describe("routers: one plan, each router's rendering", () => {
    it("native: the Service selects the active colour for a switch, every app pod otherwise", () => {
        assert.deepEqual(nativeSelector(plans["switch to green"]("replicas")), { "app.kubernetes.io/name": "demo-app", "rollout-lab/color": "green" });
        assert.deepEqual(nativeSelector(plans["split 30"]("replicas")), { "app.kubernetes.io/name": "demo-app" });
        assert.deepEqual(plans["split 30"]("replicas").releases.map((r) => [r.name, r.replicas]), [["demo-stable", 7], ["demo-canary", 3]]);
    });

    it("ingress-nginx: a canary Ingress with the weight (100 for a switch), or the header and cookie rules; a mirror on the stable Ingress", () => {
        assert.deepEqual(canaryAnnotations(plans["switch to green"]("weight")), { [nginx("canary")]: "true", [nginx("canary-weight")]: "100", [nginx("canary-weight-total")]: "100" });
        assert.deepEqual(canaryAnnotations(plans["split 30"]("weight")), { [nginx("canary")]: "true", [nginx("canary-weight")]: "30", [nginx("canary-weight-total")]: "100" });
        assert.deepEqual(canaryAnnotations(plans["match header or cookie"]("weight")), {
            [nginx("canary")]: "true",
            [nginx("canary-by-header")]: "X-Group",
            [nginx("canary-by-header-value")]: "beta",
            [nginx("canary-by-cookie")]: "beta",
        });
        const mirror = nginxIngressSpecs(plans["mirror 40"]("weight"), "lab");
        assert.deepEqual(mirror.map((i) => [i.name, (i.spec.metadata as { annotations: Record<string, string> }).annotations]), [
            ["demo-app", { [nginx("mirror-target")]: "http://demo-canary.lab.svc.cluster.local$request_uri", [nginx("mirror-request-body")]: "on" }],
        ]);
        assert.deepEqual(nginxIngressSpecs(plans["single, candidate live"]("weight"), "lab").map((i) => i.name), ["demo-app"]);
    });

    it("Linkerd: HTTPRoute weights 0/100 for a switch, 70/30 for a split, header and Cookie-header matches", () => {
        assert.deepEqual(httpRouteRules(plans["switch to green"]("weight")), [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 0 }, { name: "demo-green", port: 80, weight: 100 }] }]);
        assert.deepEqual(httpRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(httpRouteRules(plans["match header or cookie"]("weight")), [
            {
                matches: [{ headers: [{ type: "Exact", name: "X-Group", value: "beta" }] }, { headers: [{ type: "RegularExpression", name: "Cookie", value: cookie }] }],
                backendRefs: [{ name: "demo-canary", port: 80 }],
            },
            { backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
        assert.deepEqual(httpRouteRules(plans["single, candidate live"]("weight")), [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
        assert.throws(() => httpRouteRules(plans["mirror 40"]("weight")), /routing "mirror" cannot run on Linkerd/);
    });

    it("Traefik: HTTPRoute weights, matches with the regex anchored to the whole value, and shadow through its mirroring service", () => {
        assert.deepEqual(traefikRouteRules(plans["switch to green"]("weight")), [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 0 }, { name: "demo-green", port: 80, weight: 100 }] }]);
        assert.deepEqual(traefikRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(traefikRouteRules(plans["match header or cookie"]("weight"))[0].matches, [
            { headers: [{ type: "Exact", name: "X-Group", value: "beta" }] },
            { headers: [{ type: "RegularExpression", name: "Cookie", value: cookie }] },
        ]);
        // Traefik's HeaderRegexp finds the expression anywhere in the value; the lab's regex must match all of it.
        assert.deepEqual(traefikRouteRules(plans["match header regex"]("weight"))[0].matches, [
            { headers: [{ type: "RegularExpression", name: "User-Agent", value: "^(?:.*Firefox.*)$" }] },
        ]);
        assert.deepEqual(traefikRouteRules(plans["mirror 40"]("weight")), [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "lab-shadow@file" }] }]);
        assert.deepEqual(YAML.parse(dynamicConfig(plans["mirror 40"]("weight"), "lab")).http.services["lab-shadow"], {
            mirroring: { service: "lab-stable", mirrorBody: true, mirrors: [{ name: "lab-candidate", percent: 40 }] },
        });
        // Not shadow: the service waits, copying nothing, so a switch to shadow never meets a missing service.
        assert.deepEqual(YAML.parse(dynamicConfig(plans["split 30"]("weight"), "lab")).http.services["lab-shadow"].mirroring.mirrors, [{ name: "lab-candidate", percent: 0 }]);
        assert.equal(YAML.parse(dynamicConfig(plans["single, candidate live"]("weight"), "lab")), null, "one release: an empty document");
        assert.deepEqual(traefikRouteRules(plans["single, candidate live"]("weight")), [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
    });

    it("Istio: subset weights, header and cookie matches, a mirror with its percentage", () => {
        assert.deepEqual(virtualServiceHttp(plans["switch to green"]("weight"), "lab"), [{ name: "split", route: [{ destination: dest("stable"), weight: 0 }, { destination: dest("candidate"), weight: 100 }] }]);
        assert.deepEqual(virtualServiceHttp(plans["match header or cookie"]("weight"), "lab"), [
            { name: "ab-candidate", match: [{ headers: { "x-group": { exact: "beta" } } }, { headers: { cookie: { regex: cookie } } }], route: [{ destination: dest("candidate") }] },
            { name: "ab-stable", route: [{ destination: dest("stable") }] },
        ]);
        assert.deepEqual(virtualServiceHttp(plans["mirror 40"]("weight"), "lab"), [{ name: "shadow", route: [{ destination: dest("stable") }], mirror: dest("candidate"), mirrorPercentage: { value: 40 } }]);
    });

    it("Istio by HTTPRoute: Service weights, header and cookie matches unanchored, a RequestMirror filter with the percent", () => {
        assert.deepEqual(istioHttpRouteRules(plans["split 30"]("weight")), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(istioHttpRouteRules(plans["match header regex"]("weight")), [
            { matches: [{ headers: [{ type: "RegularExpression", name: "User-Agent", value: ".*Firefox.*" }] }], backendRefs: [{ name: "demo-canary", port: 80 }] },
            { backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
        assert.deepEqual(istioHttpRouteRules(plans["mirror 40"]("weight")), [
            { filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "demo-canary", port: 80 }, percent: 40 } }], backendRefs: [{ name: "demo-stable", port: 80 }] },
        ]);
    });

    it("HAProxy: the candidate's percent in the routing map (100 for a switch), the header value in the A/B map, a cookie rule in the frontend", () => {
        assert.deepEqual(routingStateFor(plans["switch to green"]("weight").routing), { candidatePercent: 100 });
        assert.deepEqual(routingStateFor(plans["split 30"]("weight").routing), { candidatePercent: 30 });
        assert.deepEqual(routingStateFor(plans["match header or cookie"]("weight").routing), { matchValues: ["beta"] });
        assert.deepEqual(routingStateFor(plans["single, candidate live"]("weight").routing), {});
        const backends = [
            { role: "stable" as const, serviceName: "lab-demo-stable", replicas: 3 },
            { role: "candidate" as const, serviceName: "lab-demo-canary", replicas: 1 },
        ];
        const cfg = haproxyEdgeFiles({ plan: plans["match header or cookie"]("weight"), backends }).bootstrap.content;
        assert.ok(cfg.includes("    http-request set-var(txn.ab_match) req.hdr(X-Group),map_str_int(/var/lib/haproxy/state/ab.map,0)\n"));
        assert.ok(cfg.includes("    use_backend be_candidate if { req.cook(beta) -m str always }\n"), "the cookie rule is not dropped");
        assert.throws(() => haproxyEdgeFiles({ plan: plans["mirror 40"]("weight"), backends }), /runs behind the NGINX edge/);
    });
});

describe("routers: what each declares, and what the config check makes of it", () => {
    it("names the routers that can run each strategy on each platform", () => {
        assert.deepEqual(providersFor("shadow", "kind"), ["traefik", "nginx", "istio"]);
        assert.deepEqual(providersFor("abtest", "kind"), ["traefik", "nginx", "linkerd", "istio"]);
        assert.deepEqual(providersFor("canary", "kind"), ["native", "traefik", "nginx", "linkerd", "istio"]);
        assert.deepEqual(providersFor("abtest", "swarm"), ["haproxy"]);
        assert.deepEqual(providersFor("shadow", "swarm"), ["nginx"]);
        assert.deepEqual(providersFor("recreate", "swarm"), ["haproxy"]);
    });

    it("splits by replicas only natively", () => {
        assert.equal(declarationOf("kind", "native")?.splitsBy, "replicas");
        for (const name of ["nginx", "linkerd", "istio"] as const) {
            assert.equal(declarationOf("kind", name)?.splitsBy, "weight", name);
        }
        assert.equal(declarationOf("swarm", "haproxy")?.splitsBy, "weight");
        assert.equal(declarationOf("swarm", "native"), undefined);
    });

    it("says which config sections it reads and how its entry balances: lab config and the probe ask it, and keep no table", () => {
        const reads = (platform: "kind" | "swarm", name: TrafficProvider) => {
            const d = declarationOf(platform, name);
            return [d?.reads, d?.readsWhen ?? [], d?.balancesPerConnection];
        };
        assert.deepEqual(reads("kind", "native"), [[], [], true]);
        assert.deepEqual(reads("kind", "traefik"), [["traefik", "gatewayApi"], [], false]);
        assert.deepEqual(reads("kind", "nginx"), [["ingressNginx"], [], false]);
        assert.deepEqual(reads("kind", "linkerd"), [["linkerd", "ingressNginx"], [], false]);
        assert.deepEqual(reads("kind", "istio"), [["istio"], [{ section: "gatewayApi", key: "istio.routes", equals: "httpRoute" }], false]);
        assert.deepEqual(reads("swarm", "haproxy"), [[], [], false]);
        assert.deepEqual(reads("swarm", "nginx"), [[], [], false]);
        // Every router section of the schema is some router's.
        const read = new Set(routerDeclarations.flatMap((d) => [...d.reads, ...(d.readsWhen ?? []).map((w) => w.section)]));
        assert.deepEqual([...routerSections].filter((s) => !read.has(s)), []);
        assert.ok(routerSections.every((s) => s in parseLabConfig({ candidate: { version: "v2" } })), "each is a section of the config");
        // lab config of an Istio stack shows gatewayApi only when Istio routes by HTTPRoute.
        const istio = (routes: string) => platformView(parseLabConfig({ platform: "kind", traffic: "istio", strategy: "canary", candidate: { version: "v2" }, istio: { routes } }));
        assert.deepEqual(["gatewayApi" in istio("httpRoute"), "gatewayApi" in istio("virtualService"), "traefik" in istio("httpRoute")], [true, false, false]);
    });

    it("is handed only the sections it declares, and says whether the app needs a Service per release", () => {
        const config = parseLabConfig({ platform: "kind", strategy: "canary", candidate: { version: "v2" }, namespace: "class-7" });
        const given = (name: TrafficProvider) => {
            const d = declarationOf("kind", name)!;
            return [Object.keys(routerSettings(config, d)).sort(), d.releaseServices];
        };
        assert.deepEqual(given("native"), [["namespace"], false]);
        assert.deepEqual(given("traefik"), [["gatewayApi", "namespace", "traefik"], true]);
        assert.deepEqual(given("nginx"), [["ingressNginx", "namespace"], true]);
        assert.deepEqual(given("linkerd"), [["ingressNginx", "linkerd", "namespace"], true]);
        assert.deepEqual(given("istio"), [["gatewayApi", "istio", "namespace"], true]);
        assert.equal(routerSettings(config, declarationOf("kind", "native")!).namespace, "class-7");
        assert.deepEqual(routerSettings(config, declarationOf("kind", "traefik")!).traefik, config.traefik);
    });
});
