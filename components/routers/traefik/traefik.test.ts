import { strict as assert } from "assert";
import { dynamicConfig, stickyObjects, traefikRouteRules } from "./traefikRoutes";
import { traefikArgs, traefikClusterRoleRules } from "./traefikProxy";
import * as YAML from "yaml";
import { plans } from "../../../test/support/routerPlans";
import { parseLabConfig } from "../../labConfig";
import { labPlan } from "../../plan";
import { validateKubernetesObject } from "../../../test/support/kubernetesSchema";
import { findResources, runProgram, stackConfig, toPulumiConfig } from "../../../test/support/pulumiHarness";

const cookie = "^(.*;\\s*)?beta=always(;.*)?$";

describe("Traefik: the plan rendered", () => {
    it("Traefik: HTTPRoute weights, matches with the regex anchored to the whole value, and shadow through its mirroring service", () => {
        assert.deepEqual(traefikRouteRules(plans["switch to green"]("weight"), "lab"), [{ backendRefs: [{ name: "demo-blue", port: 80, weight: 0 }, { name: "demo-green", port: 80, weight: 100 }] }]);
        assert.deepEqual(traefikRouteRules(plans["split 30"]("weight"), "lab"), [{ backendRefs: [{ name: "demo-stable", port: 80, weight: 70 }, { name: "demo-canary", port: 80, weight: 30 }] }]);
        assert.deepEqual(traefikRouteRules(plans["match header or cookie"]("weight"), "lab")[0].matches, [
            { headers: [{ type: "Exact", name: "X-Group", value: "beta" }] },
            { headers: [{ type: "RegularExpression", name: "Cookie", value: cookie }] },
        ]);
        // Traefik's HeaderRegexp finds the expression anywhere in the value; the lab's regex must match all of it.
        assert.deepEqual(traefikRouteRules(plans["match header regex"]("weight"), "lab")[0].matches, [
            { headers: [{ type: "RegularExpression", name: "User-Agent", value: "^(?:.*Firefox.*)$" }] },
        ]);
        assert.deepEqual(traefikRouteRules(plans["mirror 40"]("weight"), "lab"), [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "lab-shadow@file" }] }]);
        assert.deepEqual(YAML.parse(dynamicConfig(plans["mirror 40"]("weight"), "lab")).http.services["lab-shadow"], {
            mirroring: { service: "lab-stable", mirrorBody: true, mirrors: [{ name: "lab-candidate", percent: 40 }] },
        });
        // Not shadow: the service waits, copying nothing, so a switch to shadow never meets a missing service.
        assert.deepEqual(YAML.parse(dynamicConfig(plans["split 30"]("weight"), "lab")).http.services["lab-shadow"].mirroring.mirrors, [{ name: "lab-candidate", percent: 0 }]);
        assert.equal(YAML.parse(dynamicConfig(plans["single, candidate live"]("weight"), "lab")), null, "one release: an empty document");
        assert.deepEqual(traefikRouteRules(plans["single, candidate live"]("weight"), "lab"), [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
    });

    const stickyPlan = (weight: number) => labPlan(parseLabConfig({ platform: "kind", traffic: "traefik", strategy: "canary", candidate: { version: "v2" }, canary: { weight, sticky: true } }), "weight");

    it("Traefik, canary.sticky: the route goes to a sticky weighted service over 100 buckets; buckets below the weight send to the candidate", () => {
        assert.deepEqual(traefikRouteRules(stickyPlan(37), "lab"), [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "lab-lab-sticky@kubernetescrd" }] }]);
        const objects = stickyObjects(stickyPlan(37), "lab");
        assert.equal(objects.length, 101);
        assert.ok(objects.every((o) => o.apiVersion === "traefik.io/v1alpha1" && o.kind === "TraefikService" && o.metadata.namespace === "lab"));
        const target = (name: string) => objects.find((o) => o.metadata.name === name)!.spec.weighted.services;
        assert.deepEqual(target("lab-bucket-00"), [{ name: "demo-canary", port: 80, weight: 1 }]);
        assert.deepEqual(target("lab-bucket-36"), [{ name: "demo-canary", port: 80, weight: 1 }]);
        assert.deepEqual(target("lab-bucket-37"), [{ name: "demo-stable", port: 80, weight: 1 }]);
        assert.deepEqual(target("lab-bucket-99"), [{ name: "demo-stable", port: 80, weight: 1 }]);
        const canaryBuckets = objects.filter((o) => o.metadata.name.startsWith("lab-bucket-") && o.spec.weighted.services[0].name === "demo-canary");
        assert.equal(canaryBuckets.length, 37);
        const sticky = objects.find((o) => o.metadata.name === "lab-sticky")!.spec.weighted;
        assert.deepEqual(sticky.sticky, { cookie: { name: "rollout_bucket", httpOnly: true, sameSite: "lax", maxAge: 2592000 } });
        assert.equal(sticky.services.length, 100);
        assert.deepEqual(sticky.services[7], { name: "lab-bucket-07", kind: "TraefikService", weight: 1 });
        // Raised from 37 to 52: the 15 buckets 37..51 change target, no other.
        const raised = stickyObjects(stickyPlan(52), "lab");
        const changed = objects.filter((o, i) => JSON.stringify(o) !== JSON.stringify(raised[i])).map((o) => o.metadata.name);
        assert.deepEqual(changed, Array.from({ length: 15 }, (_, i) => `lab-bucket-${37 + i}`));
        // Weight 0: every bucket to stable.
        assert.ok(stickyObjects(stickyPlan(0), "lab").slice(0, 100).every((o) => o.spec.weighted.services[0].name === "demo-stable"));
        // Not sticky: no TraefikService, the HTTPRoute weights as before, and no CRD provider.
        assert.deepEqual(stickyObjects(plans["split 30"]("weight"), "lab"), []);
        assert.ok(!traefikArgs().some((a) => a.includes("kubernetesCRD")));
        assert.deepEqual(traefikArgs("lab").filter((a) => a.includes("kubernetesCRD")), ["--providers.kubernetesCRD=true", "--providers.kubernetesCRD.namespaces=lab"]);
        assert.ok(traefikClusterRoleRules(true).some((r) => JSON.stringify(r.apiGroups) === JSON.stringify(["traefik.io"])));
        assert.ok(!traefikClusterRoleRules(false).some((r) => JSON.stringify(r.apiGroups) === JSON.stringify(["traefik.io"])));
    });

    it("Traefik, canary.sticky: every TraefikService passes the schema of Traefik's CRD (@kubernetes-models/traefik); a wrong one does not", async () => {
        const token = "kubernetes:traefik.io/v1alpha1:TraefikService";
        for (const o of stickyObjects(stickyPlan(37), "lab")) {
            assert.deepEqual(await validateKubernetesObject(token, o), [], o.metadata.name);
        }
        const wrong = stickyObjects(stickyPlan(37), "lab")[100];
        wrong.spec.weighted.sticky.cookie.maxAge = "a month";
        assert.notDeepEqual(await validateKubernetesObject(token, wrong), [], "a maxAge that is no number is refused");
    });
});

describe("Traefik: leaving under load (issue 32)", () => {
    it("Traefik's pod keeps serving 5 s after it is told to stop, within a 30 s grace period; traefik.replicas 2 adds a disruption budget of one at a time, one replica none", async () => {
        const run = async (extra: Record<string, unknown>) => runProgram({ ...stackConfig("kind-canary-traefik"), ...toPulumiConfig(extra) });
        const one = await run({});
        const traefik = (r: Awaited<ReturnType<typeof run>>) => findResources(r, "kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "traefik")!.inputs;
        const pod = traefik(one).spec.template.spec;
        assert.deepEqual([traefik(one).spec.replicas, pod.terminationGracePeriodSeconds, pod.containers[0].lifecycle], [1, 30, { preStop: { sleep: { seconds: 5 } } }]);
        const budgets = (r: Awaited<ReturnType<typeof run>>) => findResources(r, "kubernetes:policy/v1:PodDisruptionBudget").filter((b) => b.inputs.metadata.namespace === "traefik").map((b) => b.inputs.spec);
        assert.deepEqual(budgets(one), []);
        const two = await run({ "rollout-lab:traefik": { replicas: 2 } });
        assert.equal(traefik(two).spec.replicas, 2);
        assert.deepEqual(budgets(two), [{ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }]);
    });

    it("Traefik retries a request its pod refused or never took: the web entry point through lab-retry@file (5 attempts), a 250 ms dial timeout; traefik.retry sets both, out-of-range values refused naming the key", async () => {
        const run = async (extra: Record<string, unknown>) => runProgram({ ...stackConfig("kind-canary-traefik"), ...toPulumiConfig(extra) });
        const inputs = (r: Awaited<ReturnType<typeof run>>) => ({
            args: findResources(r, "kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "traefik")!.inputs.spec.template.spec.containers[0].args as string[],
            files: findResources(r, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "traefik-dynamic")!.inputs.data as Record<string, string>,
        });
        const byDefault = inputs(await run({}));
        const flags = (args: string[]) => args.filter((a) => /middlewares|dialTimeout/.test(a));
        assert.deepEqual(flags(byDefault.args), ["--entryPoints.web.http.middlewares=lab-retry@file", "--serversTransport.forwardingTimeouts.dialTimeout=250ms"]);
        assert.deepEqual(YAML.parse(byDefault.files["retry.yaml"]), { http: { middlewares: { "lab-retry": { retry: { attempts: 5, status: ["502"], maxRequestBodyBytes: 16384 } } } } });
        const set = inputs(await run({ "rollout-lab:traefik": { retry: { attempts: 1, dialTimeoutMs: 1000 } } }));
        assert.deepEqual(flags(set.args), ["--entryPoints.web.http.middlewares=lab-retry@file", "--serversTransport.forwardingTimeouts.dialTimeout=1000ms"]);
        // attempts 1: the middleware stays (every entry point names it) and passes each request once.
        assert.deepEqual(YAML.parse(set.files["retry.yaml"]), { http: { middlewares: { "lab-retry": { retry: { attempts: 1, status: ["502"], maxRequestBodyBytes: 16384 } } } } });
        assert.ok("lab.yaml" in set.files, "the routes' own file beside it");
        // A class's entry points, one per lab: each through the middleware.
        const entryPoints = [{ name: "alice", port: 8100, servicePort: 8100 }, { name: "bob", port: 8101, servicePort: 8101 }];
        assert.deepEqual(traefikArgs(undefined, entryPoints).filter((a) => a.includes("middlewares")), ["--entryPoints.alice.http.middlewares=lab-retry@file", "--entryPoints.bob.http.middlewares=lab-retry@file"]);
        assert.throws(() => parseLabConfig({ traffic: "traefik", platform: "kind", traefik: { retry: { attempts: 0 } } }), /traefik\.retry\.attempts: got 0; allowed: at least 1/);
        assert.throws(() => parseLabConfig({ traffic: "traefik", platform: "kind", traefik: { retry: { dialTimeoutMs: 60000 } } }), /traefik\.retry\.dialTimeoutMs: got 60000; allowed: at most 30000/);
    });
});

