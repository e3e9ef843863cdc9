import { strict as assert } from "assert";
import { parseLabConfig } from "../labConfig";
import { declarationOf, providersFor } from "./capabilities";
import { routerDeclarations } from "./declarationRegistry";
import { routerSettings } from "./router";
import { TrafficProvider, routerSections } from "../vocabulary";
import { platformView } from "../../tools/lib/stackFile";


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
