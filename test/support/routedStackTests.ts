// What makes a stack routed by ingress-nginx, Linkerd or Istio that provider: the objects it asks for and
// their exact routing fields, as test/support/stackExpectations.ts writes them down for each stack.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as YAML from "yaml";
import { CreatedResource, ProgramRun, findResource, findResources, gatewayApiCrdsFixture } from "./pulumiHarness";
import { KIND_CLUSTER, SERVICE, NAMESPACE, deploymentNamed, isSecret, unwrapSecrets } from "./expectations";
import { KubernetesExpectation, expectationFor } from "./stackExpectations";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const INGRESS_CONTROLLER = "kubernetes-ingress-nginx:index:IngressController";
export const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService";
export const DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule";
export const ISTIO_GATEWAY = "kubernetes:networking.istio.io/v1:Gateway";
export const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
export const GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass";
export const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
/** A CRD file applied as one resource (components/local/crdBundle.ts): its objects are not registered one by one. */
export const CRD_BUNDLE = "pulumi-nodejs:dynamic/rollout-lab:CrdBundle";

/** A file's sha256, as `sha256:<hex>`: what a CRD bundle is known by. */
export function fileSha256(file: string): string {
    return `sha256:${crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")}`;
}
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

const ns = "rollout-lab";
const host = (svc: string) => `${svc}.${ns}.svc.cluster.local`;

function service(run: ProgramRun, name: string): CreatedResource {
    const found = findResources(run, SERVICE).filter((s) => s.inputs.metadata.namespace === ns && s.inputs.metadata.name === name);
    assert.equal(found.length, 1, `one Service ${name}`);
    return found[0];
}

function release(run: ProgramRun, chart: string): CreatedResource {
    const found = findResources(run, HELM_RELEASE).filter((r) => r.inputs.chart === chart);
    assert.equal(found.length, 1, `one Helm release of chart ${chart}`);
    return found[0];
}

export function describeRoutedStack(stack: string, getRun: () => ProgramRun): void {
    it("puts each release behind its own Service that selects its pods and only them, under one parent Service", () => {
        const run = getRun();
        const releases = Object.keys(expectationFor(stack).kubernetes!.deployments);
        assert.equal(releases.length, 2);
        assert.deepEqual(service(run, "demo-app").inputs.spec.selector, { "app.kubernetes.io/name": "demo-app" });
        for (const name of releases) {
            const selector = service(run, name).inputs.spec.selector as Record<string, string>;
            const own = deploymentNamed(run, name).inputs.spec.template.metadata.labels;
            const other = deploymentNamed(run, releases.find((r) => r !== name)!).inputs.spec.template.metadata.labels;
            assert.ok(Object.entries(selector).every(([k, v]) => own[k] === v), `${name}'s Service selects its pods`);
            assert.ok(Object.entries(selector).some(([k, v]) => other[k] !== v), `${name}'s Service selects only its pods`);
        }
    });

    it("has Prometheus scrape the mesh's sidecars too (Envoy's stats are what Kiali draws from)", () => {
        const run = getRun();
        const configMap = findResources(run, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "prometheus-config");
        assert.ok(configMap, "the lab's Prometheus config");
        const jobs = (YAML.parse(configMap!.inputs.data["prometheus.yml"]) as { scrape_configs: any[] }).scrape_configs;
        const byName = new Map(jobs.map((j) => [j.job_name, j]));
        const sidecarJob = { traefik: undefined, nginx: undefined, linkerd: "linkerd-proxy", istio: "istio-envoy" }[
            expectationFor(stack).routing.traffic as "traefik" | "nginx" | "linkerd" | "istio"
        ];
        if (sidecarJob === undefined) {
            assert.ok(!byName.has("linkerd-proxy") && !byName.has("istio-envoy"), "no mesh, no sidecar job");
            return;
        }
        const job = byName.get(sidecarJob);
        assert.ok(job, `job ${sidecarJob}`);
        const keeps = job.relabel_configs.filter((r: any) => r.action === "keep").map((r: any) => [r.source_labels[0], r.regex]);
        const [container, port] = sidecarJob === "istio-envoy" ? ["istio-proxy", "http-envoy-prom"] : ["linkerd-proxy", "linkerd-admin"];
        assert.deepEqual(keeps.slice(0, 2), [["__meta_kubernetes_pod_container_name", container], ["__meta_kubernetes_pod_container_port_name", port]]);
        assert.equal(job.metrics_path, sidecarJob === "istio-envoy" ? "/stats/prometheus" : "/metrics");
        assert.ok(job.kubernetes_sd_configs[0].namespaces.names.includes("rollout-lab"));
    });

    it("routes with its provider's own objects, exactly as written down for the stack", () => {
        const run = getRun();
        const expected = expectationFor(stack);
        switch (expected.routing.traffic) {
            case "traefik":
                return assertTraefikRouting(run, expected.kubernetes!);
            case "nginx":
                return assertNginxRouting(run, expected.kubernetes!);
            case "linkerd":
                return assertLinkerdRouting(run, expected.kubernetes!);
            case "istio":
                return assertIstioRouting(run, expected.kubernetes!);
            default:
                assert.fail(`no routing assertions for traffic ${expected.routing.traffic} (${stack})`);
        }
    });
}

function assertEntryController(run: ProgramRun, podAnnotations?: Record<string, string>): void {
    const controllers = findResources(run, INGRESS_CONTROLLER);
    assert.equal(controllers.length, 1);
    const c = controllers[0].inputs;
    assert.equal(c.controller.service.type, "NodePort");
    // kind maps NodePort 30080 to 127.0.0.1:8080.
    assert.deepEqual(c.controller.service.nodePorts, { http: "30080" });
    assert.equal(c.controller.ingressClassResource.name, "nginx");
    assert.deepEqual(c.controller.podAnnotations, podAnnotations);
    assert.equal(c.helmOptions.namespace, "ingress-nginx");
    assert.match(c.helmOptions.version, /^\d+\.\d+\.\d+$/, "the chart version is pinned");
    assert.equal(findResources(run, SERVICE).filter((s) => s.inputs.spec.type === "NodePort" && s.inputs.metadata.namespace === ns).length, 0, "the app has no NodePort of its own");
}

function ingressNamed(run: ProgramRun, name: string): CreatedResource {
    const found = findResources(run, INGRESS).filter((i) => i.inputs.metadata.name === name);
    assert.equal(found.length, 1, `one Ingress ${name}`);
    return found[0];
}

function ingressBackend(i: CreatedResource): string {
    assert.equal(i.inputs.spec.ingressClassName, "nginx");
    const paths = i.inputs.spec.rules[0].http.paths;
    assert.deepEqual(paths.map((p: any) => [p.path, p.pathType]), [["/", "Prefix"]]);
    assert.deepEqual(paths[0].backend.service.port, { number: 80 });
    return paths[0].backend.service.name;
}

/** The Gateway API CRDs from the file gatewayApi.crds names (the tests' stand-in), as one bundle known by the file's digest, none one by one. */
function assertGatewayApiCrds(run: ProgramRun): void {
    assert.deepEqual(
        findResources(run, CRD_BUNDLE).map((b) => [b.inputs.file, b.inputs.digest]),
        [[gatewayApiCrdsFixture, fileSha256(gatewayApiCrdsFixture)]],
    );
    assert.deepEqual(findResources(run, CRD), [], "no CRD registered one by one");
}

function assertTraefikRouting(run: ProgramRun, expected: KubernetesExpectation): void {
    assertGatewayApiCrds(run);
    const traefik = findResources(run, DEPLOYMENT).filter((d) => d.inputs.metadata.namespace === "traefik");
    assert.equal(traefik.length, 1, "one Traefik Deployment, in namespace traefik");
    const pod = traefik[0].inputs.spec.template.spec;
    assert.equal(traefik[0].inputs.spec.replicas, 1);
    assert.equal(pod.serviceAccountName, "traefik");
    const [container] = pod.containers;
    assert.equal(container.image, "traefik:v3.7.13");
    for (const arg of ["--entryPoints.web.address=:8000", "--providers.kubernetesGateway=true", "--providers.file.directory=/etc/traefik/dynamic", "--providers.file.watch=true", "--global.sendAnonymousUsage=false"]) {
        assert.ok(container.args.includes(arg), `Traefik runs with ${arg}`);
    }
    assert.deepEqual(pod.volumes.find((v: any) => v.name === "dynamic").configMap, { name: "traefik-dynamic" });
    const dynamic = findResources(run, CONFIG_MAP).find((c) => c.inputs.metadata.name === "traefik-dynamic");
    assert.deepEqual(YAML.parse(dynamic!.inputs.data["lab.yaml"]), expected.traefikDynamic);

    // Its Service is the lab's entry: kind maps NodePort 30080 to 127.0.0.1:8080.
    const entry = findResources(run, SERVICE).filter((s) => s.inputs.metadata.namespace === "traefik");
    assert.equal(entry.length, 1);
    assert.deepEqual([entry[0].inputs.metadata.name, entry[0].inputs.spec.type, entry[0].inputs.spec.ports], ["traefik", "NodePort", [{ name: "web", port: 80, targetPort: 8000, nodePort: 30080 }]]);
    assert.equal(findResources(run, SERVICE).filter((s) => s.inputs.spec.type === "NodePort" && s.inputs.metadata.namespace === ns).length, 0, "the app has no NodePort of its own");

    const role = findResources(run, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").find((r) => r.inputs.metadata.name === "rollout-lab-traefik")!;
    const reads = role.inputs.rules.find((r: any) => r.apiGroups[0] === "gateway.networking.k8s.io" && r.verbs.includes("watch"));
    assert.ok(["gatewayclasses", "gateways", "httproutes"].every((k) => reads.resources.includes(k)), "Traefik may watch the Gateway API's objects");
    const statuses = role.inputs.rules.find((r: any) => r.apiGroups[0] === "gateway.networking.k8s.io" && r.verbs.includes("update"));
    assert.ok(statuses.resources.includes("httproutes/status"), "and write the routes' status");

    const classes = findResources(run, GATEWAY_CLASS);
    assert.deepEqual(classes.map((c) => [c.inputs.metadata.name, c.inputs.spec.controllerName]), [["traefik", "traefik.io/gateway-controller"]]);
    const gateways = findResources(run, GATEWAY);
    assert.equal(gateways.length, 1);
    assert.equal(gateways[0].inputs.metadata.namespace, ns);
    assert.deepEqual(gateways[0].inputs.spec, {
        gatewayClassName: "traefik",
        listeners: [{ name: "web", protocol: "HTTP", port: 8000, allowedRoutes: { namespaces: { from: "Same" } } }],
    });
    const routes = findResources(run, HTTP_ROUTE);
    assert.equal(routes.length, 1);
    assert.deepEqual(routes[0].inputs.spec.parentRefs, [{ name: "lab-gateway", sectionName: "web" }]);
    assert.deepEqual(routes[0].inputs.spec.rules, expected.httpRouteRules);
}

function assertNginxRouting(run: ProgramRun, expected: KubernetesExpectation): void {
    assertEntryController(run, undefined);
    const ingresses = findResources(run, INGRESS);
    assert.deepEqual(
        Object.fromEntries(ingresses.map((i) => [i.inputs.metadata.name, { backend: ingressBackend(i), annotations: i.inputs.metadata.annotations }])),
        expected.ingresses,
    );
}

function assertLinkerdRouting(run: ProgramRun, expected: KubernetesExpectation): void {
    assertEntryController(run, { "linkerd.io/inject": "enabled" });
    const appNs = findResources(run, NAMESPACE).find((n) => n.inputs.metadata.name === ns)!;
    assert.deepEqual(appNs.inputs.metadata.annotations, { "linkerd.io/inject": "enabled" });

    // Certificates generated by the program, ECDSA P-256, the issuer a CA signed by the trust anchor.
    const keys = findResources(run, "tls:index/privateKey:PrivateKey");
    assert.equal(keys.length, 2);
    for (const k of keys) {
        assert.deepEqual([k.inputs.algorithm, k.inputs.ecdsaCurve], ["ECDSA", "P256"]);
    }
    const anchor = findResources(run, "tls:index/selfSignedCert:SelfSignedCert");
    assert.equal(anchor.length, 1);
    assert.equal(anchor[0].inputs.isCaCertificate, true);
    assert.equal(anchor[0].inputs.subject.commonName, "root.linkerd.cluster.local");
    const issuer = findResources(run, "tls:index/locallySignedCert:LocallySignedCert");
    assert.equal(issuer.length, 1);
    assert.equal(issuer[0].inputs.isCaCertificate, true);

    const crds = release(run, "linkerd-crds");
    assert.deepEqual(crds.inputs.values, { installGatewayAPI: true });
    const cp = release(run, "linkerd-control-plane");
    assert.equal(cp.inputs.version, crds.inputs.version);
    assert.equal(cp.inputs.namespace, "linkerd");
    // The issuer's private key reaches the chart as a secret, never in plain text.
    const values = isSecret(cp.inputs.values) ? cp.inputs.values.value : cp.inputs.values;
    assert.ok(isSecret(cp.inputs.values) || isSecret(values.identity.issuer.tls.keyPEM), "issuer key is secret");
    assert.deepEqual(unwrapSecrets(values.identity.issuer.tls), {
        crtPEM: "-----BEGIN CERTIFICATE----- lab-linkerd-issuer",
        keyPEM: "-----BEGIN PRIVATE KEY----- lab-linkerd-issuer-key",
    });
    assert.equal(values.identityTrustAnchorsPEM, "-----BEGIN CERTIFICATE----- lab-linkerd-trust-anchor");
    const linkerdNs = findResources(run, NAMESPACE).find((n) => n.inputs.metadata.name === "linkerd")!;
    assert.equal(linkerdNs.inputs.metadata.labels["linkerd.io/is-control-plane"], "true");

    const entry = ingressNamed(run, "demo-app");
    assert.deepEqual({ backend: ingressBackend(entry), annotations: entry.inputs.metadata.annotations }, expected.ingresses!["demo-app"]);

    const routes = findResources(run, HTTP_ROUTE);
    assert.equal(routes.length, 1);
    const spec = routes[0].inputs.spec;
    assert.deepEqual(spec.parentRefs, [{ group: "core", kind: "Service", name: "demo-app", port: 80 }]);
    assert.deepEqual(spec.rules, expected.httpRouteRules);
}

function assertIstioRouting(run: ProgramRun, expected: KubernetesExpectation): void {
    const appNs = findResources(run, NAMESPACE).find((n) => n.inputs.metadata.name === ns)!;
    assert.equal(appNs.inputs.metadata.labels["istio-injection"], "enabled");
    const base = release(run, "base");
    const istiod = release(run, "istiod");
    const gateway = release(run, "gateway");
    assert.ok([base, istiod, gateway].every((x) => x.inputs.version === base.inputs.version && /^\d+\.\d+\.\d+$/.test(x.inputs.version)));
    assert.equal(istiod.inputs.values.meshConfig.defaultConfig.tracing.sampling, 100);
    assert.deepEqual(istiod.inputs.values.meshConfig.extensionProviders, [{ name: "jaeger", zipkin: { service: "jaeger-collector.istio-system.svc.cluster.local", port: 9411 } }]);
    assert.deepEqual(gateway.inputs.values.service, { type: "NodePort", ports: [{ name: "http2", port: 80, targetPort: 80, protocol: "TCP", nodePort: 30080 }] });
    const kiali = release(run, "kiali-server");
    assert.equal(kiali.inputs.values.external_services.prometheus.url, "http://prometheus.rollout-lab-monitoring:9090");
    assert.equal(kiali.inputs.values.auth.strategy, "anonymous");

    // Kiali and Jaeger reach the host through kind's port mappings, on 127.0.0.1 only.
    const cluster = findResource(run, KIND_CLUSTER, "lab-kind-cluster");
    const mappings = cluster.inputs.config as string;
    for (const [nodePort, hostPort] of [[30201, 20001], [30686, 16686]]) {
        assert.match(mappings, new RegExp(`containerPort: ${nodePort}\\n\\s+hostPort: ${hostPort}\\n\\s+listenAddress: 127.0.0.1`));
    }
    assert.equal(run.outputs.kialiUrl, "http://127.0.0.1:20001/kiali");
    assert.equal(run.outputs.jaegerUrl, "http://127.0.0.1:16686");

    // Jaeger v2, configured by its file: the Zipkin receiver the proxies send to, memory storage behind the UI.
    const jaegerDeployment = findResources(run, DEPLOYMENT).find((d) => d.inputs.metadata.name === "jaeger")!;
    const jaegerContainer = jaegerDeployment.inputs.spec.template.spec.containers[0];
    assert.equal(jaegerContainer.image, "jaegertracing/jaeger:2.20.0");
    assert.deepEqual(jaegerContainer.args, ["--config", "/etc/jaeger/config.yaml"]);
    assert.deepEqual(jaegerContainer.readinessProbe.httpGet, { path: "/status", port: "health" });
    const jaegerConfig = YAML.parse(findResources(run, CONFIG_MAP).find((c) => c.inputs.metadata.name === "jaeger-config")!.inputs.data["config.yaml"]);
    assert.equal(jaegerConfig.receivers.zipkin.endpoint, "0.0.0.0:9411");
    assert.deepEqual(jaegerConfig.service.pipelines.traces, { receivers: ["zipkin", "otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] });
    assert.deepEqual(jaegerConfig.service.extensions, ["jaeger_storage", "jaeger_query", "healthcheckv2"]);
    assert.equal(jaegerConfig.extensions.jaeger_query.storage.traces, "lab_memory");
    assert.equal(jaegerConfig.exporters.jaeger_storage_exporter.trace_storage, "lab_memory");
    assert.deepEqual(jaegerConfig.extensions.jaeger_storage.backends.lab_memory, { memory: { max_traces: 50000 } });

    if (expected.httpRouteRules !== undefined) {
        return assertIstioHttpRoute(run, expected);
    }
    assert.equal(findResources(run, CRD).length + findResources(run, CRD_BUNDLE).length, 0, "no Gateway API CRDs: the routing is Istio's own");
    assert.equal(findResources(run, HTTP_ROUTE).length, 0);
    const gw = findResources(run, ISTIO_GATEWAY);
    assert.equal(gw.length, 1);
    assert.deepEqual(gw[0].inputs.spec, { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] });

    const dr = findResources(run, DESTINATION_RULE);
    assert.equal(dr.length, 1);
    assert.equal(dr[0].inputs.spec.host, host("demo-app"));
    assert.deepEqual(dr[0].inputs.spec.subsets, expected.destinationRuleSubsets);

    const vs = findResources(run, VIRTUAL_SERVICE);
    assert.equal(vs.length, 1);
    assert.deepEqual(vs[0].inputs.spec.gateways, ["lab-gateway"]);
    assert.deepEqual(vs[0].inputs.spec.http, expected.virtualServiceHttp);
}

/** istio.routes httpRoute: a Gateway API Gateway bound to the ingress gateway, and the plan as an HTTPRoute. */
function assertIstioHttpRoute(run: ProgramRun, expected: KubernetesExpectation): void {
    assertGatewayApiCrds(run);
    for (const istioKind of [ISTIO_GATEWAY, VIRTUAL_SERVICE, DESTINATION_RULE]) {
        assert.equal(findResources(run, istioKind).length, 0, `no ${istioKind}`);
    }
    const gateways = findResources(run, GATEWAY);
    assert.equal(gateways.length, 1);
    assert.equal(gateways[0].inputs.metadata.namespace, "istio-ingress");
    assert.deepEqual(gateways[0].inputs.spec, {
        gatewayClassName: "istio",
        // Istio's manual deployment: the chart's gateway Service by name, so the entry stays NodePort 30080.
        addresses: [{ type: "Hostname", value: "istio-ingressgateway.istio-ingress.svc.cluster.local" }],
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": ns } } } } }],
    });
    const routes = findResources(run, HTTP_ROUTE);
    assert.equal(routes.length, 1);
    assert.equal(routes[0].inputs.metadata.namespace, ns);
    assert.deepEqual(routes[0].inputs.spec.parentRefs, [{ name: "lab-gateway", namespace: "istio-ingress", sectionName: "http" }]);
    assert.deepEqual(routes[0].inputs.spec.rules, expected.httpRouteRules);
}
