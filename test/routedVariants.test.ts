import { strict as assert } from "assert";
import { CRD_BUNDLE, HELM_RELEASE, fileSha256, HTTP_ROUTE, INGRESS, INGRESS_CONTROLLER, VIRTUAL_SERVICE, DESTINATION_RULE } from "./support/routedStackTests";
import { findResources, gatewayApiCrdsFixture, repoRoot, runProgram, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import * as path from "path";
import { DEPLOYMENT, NAMESPACE, deploymentNamed, deployments, envOf } from "./support/expectations";

// Routed cases no stack file covers: one release (recreate, rolling) under a router, blue/green switched
// to green, a regex A/B match at the ingress, and a mesh the cluster already runs (install: false).

function run(config: Record<string, unknown>) {
    return runProgram(toPulumiConfig(Object.fromEntries(Object.entries({ candidate: { version: "v2" }, ...config }).map(([k, v]) => [`rollout-lab:${k}`, v]))));
}

const annotationsOf = (r: Awaited<ReturnType<typeof run>>, name: string) =>
    findResources(r, INGRESS).find((i) => i.inputs.metadata.name === name)?.inputs.metadata.annotations;

describe("routed strategies beyond the stack files", () => {
    it("Traefik canary.sticky: Traefik's CRDs and its CRD provider for the lab's namespace, 101 TraefikServices, the route through the sticky one; none without sticky", async () => {
        const crds = path.join(repoRoot, "test", "fixtures", "traefik-crds.yaml");
        const base = { ...stackConfig("kind-canary-traefik"), "rollout-lab:traefik": JSON.stringify({ crds }) };
        const sticky = await runProgram({ ...base, "rollout-lab:canary": JSON.stringify({ weight: 10, sticky: true }) });
        const plain = await runProgram(base);
        const services = findResources(sticky, "kubernetes:traefik.io/v1alpha1:TraefikService");
        assert.equal(services.length, 101);
        assert.deepEqual(
            services.filter((s) => s.inputs.spec.weighted.services[0].name === "demo-canary").map((s) => s.inputs.metadata.name),
            Array.from({ length: 10 }, (_, b) => `lab-bucket-0${b}`),
        );
        assert.deepEqual(findResources(sticky, CRD_BUNDLE).map((b) => [b.name, b.inputs.file, b.inputs.digest]), [
            ["lab-traefik-gateway-api", gatewayApiCrdsFixture, fileSha256(gatewayApiCrdsFixture)],
            ["lab-traefik-crds", crds, fileSha256(crds)],
        ]);
        const traefik = findResources(sticky, DEPLOYMENT).find((d) => d.inputs.metadata.name === "traefik")!;
        const args: string[] = traefik.inputs.spec.template.spec.containers[0].args;
        assert.ok(args.includes("--providers.kubernetesCRD=true") && args.includes("--providers.kubernetesCRD.namespaces=rollout-lab"), args.join(" "));
        // A pause after the TraefikServices, before the route names them: longer than Traefik's 2 s provider throttle.
        assert.deepEqual(findResources(sticky, "pulumi-nodejs:dynamic/rollout-lab:Pause").map((p) => p.inputs.seconds), [3]);
        assert.equal(findResources(plain, "pulumi-nodejs:dynamic/rollout-lab:Pause").length, 0);
        const route = findResources(sticky, HTTP_ROUTE)[0].inputs.spec.rules;
        assert.deepEqual(route, [{ backendRefs: [{ group: "traefik.io", kind: "TraefikService", name: "rollout-lab-lab-sticky@kubernetescrd" }] }]);

        assert.equal(findResources(plain, "kubernetes:traefik.io/v1alpha1:TraefikService").length, 0);
        assert.deepEqual(findResources(plain, CRD_BUNDLE).map((b) => b.inputs.file), [gatewayApiCrdsFixture]);
        assert.ok(!findResources(plain, DEPLOYMENT).find((d) => d.inputs.metadata.name === "traefik")!.inputs.spec.template.spec.containers[0].args.some((a: string) => a.includes("kubernetesCRD")));
    });

    it("nginx blue/green switched to green sends every request to green (canary-weight 100), both colours still running", async () => {
        const r = await run({ strategy: "bluegreen", traffic: "nginx", bluegreen: { activeColor: "green" } });
        assert.deepEqual(annotationsOf(r, "demo-app-canary"), {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-weight": "100",
            "nginx.ingress.kubernetes.io/canary-weight-total": "100",
        });
        assert.deepEqual(deployments(r).map((d) => [d.inputs.metadata.name, d.inputs.spec.replicas]).sort(), [["demo-blue", 3], ["demo-green", 3]]);
        assert.deepEqual(r.outputs.routing, {
            strategy: "bluegreen",
            traffic: "nginx",
            workloads: [
                { name: "demo-blue", version: "v1", color: "blue", replicas: 3, expectedShare: 0 },
                { name: "demo-green", version: "v2", color: "green", replicas: 3, expectedShare: 100 },
            ],
            serviceSelector: { "app.kubernetes.io/name": "demo-app" },
            route: { candidateWeight: 100 },
        });
    });

    it("nginx A/B by a header pattern uses canary-by-header-pattern", async () => {
        const r = await run({ strategy: "abtest", traffic: "nginx", abtest: { header: "User-Agent", value: ".*Firefox.*", valueMatch: "regex" } });
        assert.deepEqual(annotationsOf(r, "demo-app-canary"), {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-by-header": "User-Agent",
            "nginx.ingress.kubernetes.io/canary-by-header-pattern": ".*Firefox.*",
        });
    });

    it("rolling under Linkerd: one Deployment with the rolling settings, a route with one backend", async () => {
        const r = await run({ strategy: "rolling", traffic: "linkerd", release: "candidate", rolling: { maxSurge: 1, maxUnavailable: 0 } });
        const d = deploymentNamed(r, "demo-app");
        assert.equal(envOf(d).VERSION, "v2");
        assert.deepEqual(d.inputs.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        const route = findResources(r, HTTP_ROUTE)[0];
        assert.deepEqual(route.inputs.spec.rules, [{ backendRefs: [{ name: "demo-app", port: 80 }] }]);
    });

    it("recreate under Istio: one subset, all requests to it", async () => {
        const r = await run({ strategy: "recreate", traffic: "istio" });
        assert.deepEqual(deploymentNamed(r, "demo-app").inputs.spec.strategy, { type: "Recreate" });
        assert.deepEqual(findResources(r, DESTINATION_RULE)[0].inputs.spec.subsets, [{ name: "stable", labels: { "rollout-lab/color": "blue" } }]);
        assert.deepEqual(findResources(r, VIRTUAL_SERVICE)[0].inputs.spec.http, [
            { name: "stable", route: [{ destination: { host: "demo-app.rollout-lab.svc.cluster.local", subset: "stable", port: { number: 80 } } }] },
        ]);
    });

    it("install: false routes on a mesh and controller the cluster already runs: no charts, no certificates, no controller", async () => {
        for (const [traffic, key] of [["nginx", "ingressNginx"], ["linkerd", "linkerd"], ["istio", "istio"]] as const) {
            const r = await run({ strategy: "canary", traffic, [key]: { install: false }, monitoring: false });
            assert.equal(findResources(r, HELM_RELEASE).length, 0, traffic);
            assert.equal(findResources(r, INGRESS_CONTROLLER).length, 0, traffic);
            assert.equal(r.resources.filter((x) => x.type.startsWith("tls:")).length, 0, traffic);
            assert.equal(findResources(r, NAMESPACE).length, 1, `${traffic}: only the app's namespace`);
            assert.equal(findResources(r, DEPLOYMENT).length, 2, `${traffic}: only the app's Deployments`);
            const routing = [...findResources(r, INGRESS), ...findResources(r, HTTP_ROUTE), ...findResources(r, VIRTUAL_SERVICE)];
            assert.ok(routing.length >= 1, `${traffic} still routes`);
        }
    });
});
