// What makes a stack routed by ingress-nginx, Linkerd or Istio that provider: the objects it asks for and
// their exact routing fields, computed here from the stack's own settings (not from the program's code).
import { strict as assert } from "assert";
import * as YAML from "yaml";
import { CreatedResource, ProgramRun, findResource, findResources } from "./pulumiHarness";
import { COMMAND, SERVICE, NAMESPACE, deploymentNamed, deployments, envOf, isSecret, unwrapSecrets } from "./expectations";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const INGRESS_CONTROLLER = "kubernetes-ingress-nginx:index:IngressController";
export const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
export const VIRTUAL_SERVICE = "kubernetes:networking.istio.io/v1:VirtualService";
export const DESTINATION_RULE = "kubernetes:networking.istio.io/v1:DestinationRule";
export const ISTIO_GATEWAY = "kubernetes:networking.istio.io/v1:Gateway";

const ns = "rollout-lab";
const host = (svc: string) => `${svc}.${ns}.svc.cluster.local`;
const nginx = (k: string) => `nginx.ingress.kubernetes.io/${k}`;

/** The two releases a routed stack runs, as the stack file says: names, versions, replicas. */
function expectedReleases(config: Record<string, any>): { stable: string; candidate: string; stableReplicas: number; candidateReplicas: number } {
    const bluegreen = config.strategy === "bluegreen";
    return {
        stable: bluegreen ? "demo-blue" : "demo-stable",
        candidate: bluegreen ? "demo-green" : "demo-canary",
        stableReplicas: config.stable?.replicas ?? 3,
        candidateReplicas: config.candidate.replicas ?? 3,
    };
}

/** Percent of ordinary requests the candidate should get. */
function candidateWeight(config: Record<string, any>): number {
    if (config.strategy === "canary") {
        return config.canary?.weight ?? 10;
    }
    if (config.strategy === "bluegreen") {
        return (config.bluegreen?.activeColor ?? "blue") === "green" ? 100 : 0;
    }
    return 0;
}

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

export function describeRoutedStack(stack: string, getRun: () => ProgramRun, getConfig: () => Record<string, any>): void {
    it("runs both releases with their own replica counts, each behind its own Service, under one parent Service", () => {
        const config = getConfig();
        const run = getRun();
        const r = expectedReleases(config);
        assert.deepEqual(deployments(run).map((d) => d.inputs.metadata.name).sort(), [r.stable, r.candidate].sort());
        assert.equal(deploymentNamed(run, r.stable).inputs.spec.replicas, r.stableReplicas);
        assert.equal(deploymentNamed(run, r.candidate).inputs.spec.replicas, r.candidateReplicas);
        assert.equal(envOf(deploymentNamed(run, r.candidate)).VERSION, config.candidate.version);
        assert.equal(envOf(deploymentNamed(run, r.stable)).VERSION, config.stable?.version ?? "v1");
        const parent = service(run, "demo-app");
        assert.equal(parent.inputs.spec.type, "ClusterIP");
        assert.deepEqual(parent.inputs.spec.selector, { "app.kubernetes.io/name": "demo-app" });
        for (const name of [r.stable, r.candidate]) {
            const svc = service(run, name);
            const labels = deploymentNamed(run, name).inputs.spec.template.metadata.labels;
            assert.equal(svc.inputs.spec.type, "ClusterIP");
            for (const [k, v] of Object.entries(svc.inputs.spec.selector as Record<string, string>)) {
                assert.equal(labels[k], v, `${name}'s Service selects its pods`);
            }
            const other = deploymentNamed(run, name === r.stable ? r.candidate : r.stable).inputs.spec.template.metadata.labels;
            assert.ok(Object.entries(svc.inputs.spec.selector as Record<string, string>).some(([k, v]) => other[k] !== v), `${name}'s Service selects only its pods`);
        }
    });

    it("has Prometheus scrape the mesh's sidecars too (Envoy's stats are what Kiali draws from)", () => {
        const run = getRun();
        const configMap = findResources(run, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "prometheus-config");
        assert.ok(configMap, "the lab's Prometheus config");
        const jobs = (YAML.parse(configMap!.inputs.data["prometheus.yml"]) as { scrape_configs: any[] }).scrape_configs;
        const byName = new Map(jobs.map((j) => [j.job_name, j]));
        const sidecarJob = { nginx: undefined, linkerd: "linkerd-proxy", istio: "istio-envoy" }[getConfig().traffic as "nginx" | "linkerd" | "istio"];
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

    const traffic = () => getConfig().traffic;
    it("routes with its provider's own objects, exactly as the stack's strategy says", () => {
        const config = getConfig();
        const run = getRun();
        switch (traffic()) {
            case "nginx":
                return assertNginxRouting(run, config);
            case "linkerd":
                return assertLinkerdRouting(run, config);
            case "istio":
                return assertIstioRouting(run, config);
            default:
                assert.fail(`no routing assertions for traffic ${traffic()} (${stack})`);
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

function assertNginxRouting(run: ProgramRun, config: Record<string, any>): void {
    assertEntryController(run, undefined);
    const r = expectedReleases(config);
    const stable = ingressNamed(run, "demo-app");
    assert.equal(ingressBackend(stable), r.stable);
    if (config.strategy === "shadow") {
        assert.deepEqual(stable.inputs.metadata.annotations, {
            [nginx("mirror-target")]: `http://${host(r.candidate)}$request_uri`,
            [nginx("mirror-request-body")]: "on",
        });
        assert.equal(findResources(run, INGRESS).length, 1, "shadow needs no canary Ingress");
        return;
    }
    assert.deepEqual(stable.inputs.metadata.annotations, {});
    const canary = ingressNamed(run, "demo-app-canary");
    assert.equal(ingressBackend(canary), r.candidate);
    const expected: Record<string, string> = { [nginx("canary")]: "true" };
    if (config.strategy === "abtest") {
        const ab = config.abtest;
        if (ab.header !== undefined) {
            expected[nginx("canary-by-header")] = ab.header;
            expected[nginx(ab.valueMatch === "regex" ? "canary-by-header-pattern" : "canary-by-header-value")] = ab.value;
        }
        if (ab.cookie !== undefined) {
            expected[nginx("canary-by-cookie")] = ab.cookie;
        }
    } else {
        expected[nginx("canary-weight")] = String(candidateWeight(config));
        expected[nginx("canary-weight-total")] = "100";
    }
    assert.deepEqual(canary.inputs.metadata.annotations, expected);
}

function assertLinkerdRouting(run: ProgramRun, config: Record<string, any>): void {
    assertEntryController(run, { "linkerd.io/inject": "enabled" });
    const r = expectedReleases(config);
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
    assert.equal(ingressBackend(entry), "demo-app");
    assert.deepEqual(entry.inputs.metadata.annotations, { [nginx("service-upstream")]: "true" });

    const routes = findResources(run, HTTP_ROUTE);
    assert.equal(routes.length, 1);
    const spec = routes[0].inputs.spec;
    assert.deepEqual(spec.parentRefs, [{ group: "core", kind: "Service", name: "demo-app", port: 80 }]);
    if (config.strategy === "abtest") {
        const ab = config.abtest;
        const matches: any[] = [];
        if (ab.header !== undefined) {
            matches.push({ headers: [{ type: ab.valueMatch === "regex" ? "RegularExpression" : "Exact", name: ab.header, value: ab.value }] });
        }
        if (ab.cookie !== undefined) {
            matches.push({ headers: [{ type: "RegularExpression", name: "Cookie", value: `^(.*;\\s*)?${ab.cookie}=always(;.*)?$` }] });
        }
        assert.deepEqual(spec.rules, [
            { matches, backendRefs: [{ name: r.candidate, port: 80 }] },
            { backendRefs: [{ name: r.stable, port: 80 }] },
        ]);
    } else {
        const w = candidateWeight(config);
        assert.deepEqual(spec.rules, [{ backendRefs: [{ name: r.stable, port: 80, weight: 100 - w }, { name: r.candidate, port: 80, weight: w }] }]);
    }
}

function assertIstioRouting(run: ProgramRun, config: Record<string, any>): void {
    const r = expectedReleases(config);
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
    const cluster = findResource(run, COMMAND, "lab-kind-cluster");
    const mappings = cluster.inputs.stdin as string;
    for (const [nodePort, hostPort] of [[30201, 20001], [30686, 16686]]) {
        assert.match(mappings, new RegExp(`containerPort: ${nodePort}\\n\\s+hostPort: ${hostPort}\\n\\s+listenAddress: 127.0.0.1`));
    }
    assert.equal(run.outputs.kialiUrl, "http://127.0.0.1:20001/kiali");
    assert.equal(run.outputs.jaegerUrl, "http://127.0.0.1:16686");

    const gw = findResources(run, ISTIO_GATEWAY);
    assert.equal(gw.length, 1);
    assert.deepEqual(gw[0].inputs.spec, { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] });

    const dr = findResources(run, DESTINATION_RULE);
    assert.equal(dr.length, 1);
    assert.equal(dr[0].inputs.spec.host, host("demo-app"));
    const subsetLabels = (name: string) => {
        const labels = deploymentNamed(run, name).inputs.spec.template.metadata.labels;
        return config.strategy === "bluegreen" ? { "rollout-lab/color": labels["rollout-lab/color"] } : { "rollout-lab/track": labels["rollout-lab/track"] };
    };
    assert.deepEqual(dr[0].inputs.spec.subsets, [
        { name: "stable", labels: subsetLabels(r.stable) },
        { name: "candidate", labels: subsetLabels(r.candidate) },
    ]);

    const vs = findResources(run, VIRTUAL_SERVICE);
    assert.equal(vs.length, 1);
    assert.deepEqual(vs[0].inputs.spec.gateways, ["lab-gateway"]);
    const dest = (subset: string) => ({ host: host("demo-app"), subset, port: { number: 80 } });
    let http: unknown[];
    if (config.strategy === "abtest") {
        const ab = config.abtest;
        const match: any[] = [];
        if (ab.header !== undefined) {
            match.push({ headers: { [ab.header.toLowerCase()]: ab.valueMatch === "regex" ? { regex: ab.value } : { exact: ab.value } } });
        }
        if (ab.cookie !== undefined) {
            match.push({ headers: { cookie: { regex: `^(.*;\\s*)?${ab.cookie}=always(;.*)?$` } } });
        }
        http = [
            { name: "ab-candidate", match, route: [{ destination: dest("candidate") }] },
            { name: "ab-stable", route: [{ destination: dest("stable") }] },
        ];
    } else if (config.strategy === "shadow") {
        http = [{ name: "shadow", route: [{ destination: dest("stable") }], mirror: dest("candidate"), mirrorPercentage: { value: config.shadow?.percent ?? 100 } }];
    } else {
        const w = candidateWeight(config);
        http = [{ name: "split", route: [{ destination: dest("stable"), weight: 100 - w }, { destination: dest("candidate"), weight: w }] }];
    }
    assert.deepEqual(vs[0].inputs.spec.http, http);
}
