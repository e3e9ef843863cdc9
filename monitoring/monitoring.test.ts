import { strict as assert } from "assert";
import { parse } from "yaml";
import {
    GeneratedDashboard,
    MonitoringPlatform,
    allDashboards,
    allQueries,
    candidateAlerts,
    candidateQueries,
    containerQueries,
    dashboardUids,
    datasourceUid,
    grafanaProvisioning,
    jobs,
    nodeQueries,
    prometheusArgs,
    renderAlertRules,
    renderPrometheusConfig,
    versionQueries,
} from ".";

// The monitoring generators: prometheus.yml per platform (with its relabelling applied to sample
// targets the way Prometheus applies it), the alert rules, the Grafana dashboards and provisioning.

type Relabel = { source_labels?: string[]; separator?: string; regex?: string; target_label?: string; replacement?: string; action?: string };
type ScrapeConfig = {
    job_name: string;
    metrics_path?: string;
    static_configs?: { targets: string[]; labels?: Record<string, string> }[];
    dns_sd_configs?: { names: string[]; type: string; port: number; refresh_interval?: string }[];
    kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
    relabel_configs?: Relabel[];
};
type PromConfig = {
    global: { scrape_interval: string; evaluation_interval: string };
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
};

/** Prometheus's relabelling (replace and keep, the two actions the generator uses); undefined = dropped. */
function relabel(labels: Record<string, string>, rules: Relabel[]): Record<string, string> | undefined {
    const out = { ...labels };
    for (const r of rules) {
        const value = (r.source_labels ?? []).map((l) => out[l] ?? "").join(r.separator ?? ";");
        const match = new RegExp(`^(?:${r.regex ?? "(.*)"})$`).exec(value);
        const action = r.action ?? "replace";
        if (action === "keep") {
            if (!match) {
                return undefined;
            }
        } else if (action === "replace") {
            if (match) {
                const replaced = (r.replacement ?? "$1").replace(/\$(\d+)/g, (_, i: string) => match[Number(i)] ?? "");
                if (replaced === "") {
                    delete out[r.target_label!];
                } else {
                    out[r.target_label!] = replaced;
                }
            }
        } else {
            throw new Error(`relabel action ${action} not simulated`);
        }
    }
    return out;
}

function job(config: PromConfig, name: string): ScrapeConfig {
    const found = config.scrape_configs.find((j) => j.job_name === name);
    assert.ok(found, `job ${name} in ${config.scrape_configs.map((j) => j.job_name).join(", ")}`);
    return found;
}

function appPod(overrides: Record<string, string> = {}): Record<string, string> {
    return {
        __address__: "10.244.1.7:8080",
        __meta_kubernetes_namespace: "rollout-lab",
        __meta_kubernetes_pod_name: "demo-canary-5d9c7-abcde",
        __meta_kubernetes_pod_node_name: "rollout-lab-worker2",
        __meta_kubernetes_pod_phase: "Running",
        __meta_kubernetes_pod_container_name: "app",
        __meta_kubernetes_pod_container_port_name: "http",
        __meta_kubernetes_pod_container_port_number: "8080",
        __meta_kubernetes_pod_label_app_kubernetes_io_name: "demo-app",
        __meta_kubernetes_pod_label_app_kubernetes_io_version: "v2",
        __meta_kubernetes_pod_label_rollout_lab_color: "green",
        __meta_kubernetes_pod_label_rollout_lab_role: "candidate",
        ...overrides,
    };
}

describe("monitoring: Prometheus config", () => {
    describe("kubernetes", () => {
        const config = parse(renderPrometheusConfig({ platform: "kubernetes", namespace: "lab-ns", scrapeInterval: "10s", ruleFiles: ["/etc/prometheus/rules/a.yml"] })) as PromConfig;

        it("has the global intervals, the rule file and one job per kind of target", () => {
            assert.deepEqual(config.global, { scrape_interval: "10s", evaluation_interval: "10s" });
            assert.deepEqual(config.rule_files, ["/etc/prometheus/rules/a.yml"]);
            assert.deepEqual(
                config.scrape_configs.map((j) => j.job_name),
                ["prometheus", "demo-app", "node-exporter", "cadvisor"],
            );
            assert.deepEqual(job(config, "prometheus").static_configs, [{ targets: ["localhost:9090"] }]);
        });

        it("discovers the app's pods in the app's namespace and names them by pod labels and placement", () => {
            const app = job(config, jobs.app);
            assert.deepEqual(app.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["lab-ns"] } }]);
            assert.equal(app.metrics_path, "/metrics");
            const labels = relabel(appPod(), app.relabel_configs!);
            assert.ok(labels);
            assert.equal(labels.version, "v2");
            assert.equal(labels.color, "green");
            assert.equal(labels.role, "candidate");
            assert.equal(labels.pod, "demo-canary-5d9c7-abcde");
            assert.equal(labels.node, "rollout-lab-worker2");
            assert.equal(labels.namespace, "rollout-lab");
            assert.equal(labels.__address__, "10.244.1.7:8080");
        });

        it("keeps only the app container's http port of running demo-app pods", () => {
            const rules = job(config, jobs.app).relabel_configs!;
            assert.equal(relabel(appPod({ __meta_kubernetes_pod_label_app_kubernetes_io_name: "haproxy" }), rules), undefined);
            assert.equal(relabel(appPod({ __meta_kubernetes_pod_container_name: "sidecar" }), rules), undefined);
            assert.equal(relabel(appPod({ __meta_kubernetes_pod_container_port_name: "admin" }), rules), undefined);
            assert.equal(relabel(appPod({ __meta_kubernetes_pod_phase: "Pending" }), rules), undefined);
            const { __meta_kubernetes_pod_label_app_kubernetes_io_name: _dropped, ...unlabelled } = appPod();
            assert.equal(relabel(unlabelled, rules), undefined);
        });

        for (const [name, port] of [
            ["node-exporter", "9100"],
            ["cadvisor", "8080"],
        ] as const) {
            it(`finds the ${name} DaemonSet's pods in the monitoring namespace, one target per node`, () => {
                const j = job(config, name);
                assert.deepEqual(j.kubernetes_sd_configs, [{ role: "pod", namespaces: { names: ["monitoring"] } }]);
                const pod = {
                    __address__: `172.18.0.3:${port}`,
                    __meta_kubernetes_namespace: "monitoring",
                    __meta_kubernetes_pod_name: `${name}-x7k2p`,
                    __meta_kubernetes_pod_node_name: "rollout-lab-worker",
                    __meta_kubernetes_pod_phase: "Running",
                    __meta_kubernetes_pod_container_port_number: port,
                    __meta_kubernetes_pod_label_app_kubernetes_io_name: name,
                };
                const labels = relabel(pod, j.relabel_configs!);
                assert.ok(labels);
                assert.equal(labels.instance, "rollout-lab-worker");
                assert.equal(labels.node, "rollout-lab-worker");
                assert.equal(labels.pod, `${name}-x7k2p`);
                assert.equal(relabel({ ...pod, __meta_kubernetes_pod_container_port_number: "9999" }, j.relabel_configs!), undefined);
                assert.equal(relabel({ ...pod, __meta_kubernetes_pod_label_app_kubernetes_io_name: "demo-app" }, j.relabel_configs!), undefined);
            });
        }

        it("takes the monitoring namespace and exporter ports from the spec", () => {
            const c = parse(
                renderPrometheusConfig({ platform: "kubernetes", namespace: "a", monitoringNamespace: "obs", nodeExporterPort: 9101, cadvisorPort: 4194, scrapeInterval: "15s" }),
            ) as PromConfig;
            assert.deepEqual(job(c, "node-exporter").kubernetes_sd_configs![0].namespaces, { names: ["obs"] });
            assert.ok(job(c, "node-exporter").relabel_configs!.some((r) => r.action === "keep" && r.regex === "9101"));
            assert.ok(job(c, "cadvisor").relabel_configs!.some((r) => r.action === "keep" && r.regex === "4194"));
        });
    });

    describe("swarm", () => {
        const services = ["rollout-lab-demo-stable", "rollout-lab-demo-canary"];
        const config = parse(renderPrometheusConfig({ platform: "swarm", services, scrapeInterval: "15s", evaluationInterval: "5s" })) as PromConfig;

        it("asks Docker's DNS for every app service's tasks on port 8080", () => {
            const app = job(config, jobs.app);
            assert.deepEqual(app.dns_sd_configs, [
                { names: ["tasks.rollout-lab-demo-stable", "tasks.rollout-lab-demo-canary"], type: "A", port: 8080, refresh_interval: "5s" },
            ]);
            assert.deepEqual(config.global, { scrape_interval: "15s", evaluation_interval: "5s" });
        });

        it("labels each target with the service its DNS name came from", () => {
            for (const j of config.scrape_configs.filter((s) => s.dns_sd_configs)) {
                for (const name of j.dns_sd_configs![0].names) {
                    const labels = relabel({ __address__: "10.0.1.5:8080", __meta_dns_name: name }, j.relabel_configs!);
                    assert.equal(labels?.service, name.replace(/^tasks\./, ""));
                }
            }
        });

        it("finds node-exporter and cAdvisor as the namespace's global services", () => {
            assert.deepEqual(job(config, "node-exporter").dns_sd_configs![0].names, ["tasks.rollout-lab-node-exporter"]);
            assert.equal(job(config, "node-exporter").dns_sd_configs![0].port, 9100);
            assert.deepEqual(job(config, "cadvisor").dns_sd_configs![0].names, ["tasks.rollout-lab-cadvisor"]);
            assert.equal(job(config, "cadvisor").dns_sd_configs![0].port, 8080);
            const other = parse(renderPrometheusConfig({ platform: "swarm", namespace: "lab2", services: ["lab2-demo-app"], scrapeInterval: "15s" })) as PromConfig;
            assert.deepEqual(job(other, "node-exporter").dns_sd_configs![0].names, ["tasks.lab2-node-exporter"]);
            assert.deepEqual(job(other, "demo-app").dns_sd_configs![0].names, ["tasks.lab2-demo-app"]);
        });
    });

    describe("static", () => {
        it("gives each app address its version, and adds cAdvisor only when there is one", () => {
            const spec = {
                platform: "static" as const,
                app: [
                    { address: "127.0.0.1:4001", version: "v1" },
                    { address: "127.0.0.1:4002", version: "v2" },
                ],
                nodeExporter: ["127.0.0.1:9100"],
                scrapeInterval: "1s",
                selfAddress: "127.0.0.1:9090",
            };
            const c = parse(renderPrometheusConfig(spec)) as PromConfig;
            assert.deepEqual(job(c, jobs.app).static_configs, [
                { targets: ["127.0.0.1:4001"], labels: { version: "v1" } },
                { targets: ["127.0.0.1:4002"], labels: { version: "v2" } },
            ]);
            assert.deepEqual(job(c, jobs.nodeExporter).static_configs, [{ targets: ["127.0.0.1:9100"] }]);
            assert.deepEqual(job(c, jobs.prometheus).static_configs, [{ targets: ["127.0.0.1:9090"] }]);
            assert.equal(c.scrape_configs.find((j) => j.job_name === jobs.cadvisor), undefined);
            const withCadvisor = parse(renderPrometheusConfig({ ...spec, cadvisor: ["127.0.0.1:8081"] })) as PromConfig;
            assert.deepEqual(job(withCadvisor, jobs.cadvisor).static_configs, [{ targets: ["127.0.0.1:8081"] }]);
        });
    });

    it("puts storage and retention on Prometheus's command line", () => {
        assert.deepEqual(prometheusArgs({ configFile: "/etc/prometheus/prometheus.yml", storagePath: "/prometheus", retention: "6h" }), [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=6h",
            "--web.listen-address=0.0.0.0:9090",
            "--web.enable-lifecycle",
        ]);
        const args = prometheusArgs({ configFile: "c", storagePath: "s", retention: "2d", retentionSize: "1GB", listenAddress: "127.0.0.1:9999", enableLifecycle: false });
        assert.ok(args.includes("--storage.tsdb.retention.size=1GB"));
        assert.ok(args.includes("--web.listen-address=127.0.0.1:9999"));
        assert.ok(!args.includes("--web.enable-lifecycle"));
    });
});

describe("monitoring: queries", () => {
    const q = versionQueries({ platform: "swarm" });

    it("gives the rate, error ratio and p95 of every version from the app's metrics", () => {
        assert.equal(q.requestsPerSecond.expr, 'sum by (version) (rate(http_requests_total{job="demo-app"}[1m]))');
        assert.equal(
            q.errorRatio.expr,
            '(sum by (version) (rate(http_requests_total{job="demo-app", code=~"5.."}[1m])) or sum by (version) (rate(http_requests_total{job="demo-app"}[1m])) * 0)' +
                ' / sum by (version) (rate(http_requests_total{job="demo-app"}[1m]))',
        );
        assert.equal(q.p95Latency.expr, 'histogram_quantile(0.95, sum by (le, version) (rate(http_request_duration_seconds_bucket{job="demo-app"}[1m])))');
        assert.match(q.replicas.expr, /^count by \(version\) \(.*demo_app_info\{job="demo-app"\}.* and on \(instance, job\) \(up\{job="demo-app"\} == 1\)\)$/);
        assert.equal(q.replicas.title, "Tasks by version");
        assert.equal(versionQueries({ platform: "kubernetes" }).replicas.title, "Pods by version");
    });

    it("joins process metrics to their version through demo_app_info on the scrape target", () => {
        for (const e of [q.processCpu.expr, q.processMemory.expr]) {
            assert.match(e, /\* on \(instance, job\) group_left \(version\) max by \(instance, job, version\) \(demo_app_info\{job="demo-app"\}\)\)$/);
        }
        assert.match(q.processCpu.expr, /rate\(process_cpu_seconds_total\{job="demo-app"\}\[1m\]\)/);
        assert.match(q.processMemory.expr, /process_resident_memory_bytes\{job="demo-app"\}/);
    });

    it("takes the version of cAdvisor's containers from the task's VERSION variable on Swarm, through the pod on Kubernetes", () => {
        assert.equal(
            q.containerCpu.expr,
            'sum by (version) (label_replace(rate(container_cpu_usage_seconds_total{job="cadvisor", container_label_com_docker_swarm_service_name=~"rollout-lab-demo-.+", container_env_version!=""}[1m]), "version", "$1", "container_env_version", "(.+)"))',
        );
        const k = versionQueries({ platform: "kubernetes", namespace: "lab-ns" });
        assert.equal(
            k.containerMemory.expr,
            'sum by (version) (label_replace(container_memory_working_set_bytes{job="cadvisor", container_label_io_kubernetes_pod_namespace="lab-ns", container_label_io_kubernetes_container_name="app"}, "pod", "$1", "container_label_io_kubernetes_pod_name", "(.+)") * on (pod) group_left (version) max by (pod, version) (demo_app_info{job="demo-app"}))',
        );
        assert.match(versionQueries({ platform: "swarm", namespace: "a.b" }).containerCpu.expr, /service_name=~"a\\\\.b-demo-\.\+"/);
    });

    it("restricts the candidate's expressions to its version and escapes the value", () => {
        const c = candidateQueries("v2");
        assert.equal(c.errorRatio.expr, q.errorRatio.expr.replace(/job="demo-app"/g, 'job="demo-app", version="v2"'));
        assert.equal(c.p95Latency.expr, q.p95Latency.expr.replace('job="demo-app"', 'job="demo-app", version="v2"'));
        assert.match(candidateQueries('v"2').errorRatio.expr, /version="v\\"2"/);
        assert.match(candidateQueries("v2", { rateWindow: "30s" }).p95Latency.expr, /\[30s\]/);
        assert.equal(c.requests.expr, 'sum by (version) (increase(http_requests_total{job="demo-app", version="v2"}[1m]))');
    });

    it("gives node and container views their own jobs", () => {
        for (const n of Object.values(nodeQueries())) {
            assert.match(n.expr, /\{job="node-exporter"/);
        }
        for (const platform of ["kubernetes", "swarm", "static"] as const) {
            for (const c of Object.values(containerQueries({ platform }))) {
                assert.match(c.expr, /\{job="cadvisor"/);
            }
        }
        assert.match(containerQueries({ platform: "swarm" }).cpu.expr, /^sum by \(name\) /);
        assert.match(containerQueries({ platform: "kubernetes" }).cpu.expr, /^sum by \(container_label_io_kubernetes_pod_namespace, /);
    });

    it("has unique ids", () => {
        const all = allQueries({ platform: "kubernetes", candidateVersion: "v2" });
        assert.equal(Object.keys(all).length, 8 + 6 + 4 + 3);
        for (const [id, query] of Object.entries(all)) {
            assert.equal(query.id, id);
            assert.ok(query.expr && query.title && query.unit && query.legend);
        }
    });
});

describe("monitoring: alert rules", () => {
    const spec = { candidateVersion: "v2", errorRatioThreshold: 0.05, p95LatencyThresholdSeconds: 0.5, forDuration: "2m" };
    type Rules = { groups: { name: string; rules: { alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[] };
    const rules = parse(renderAlertRules(spec)) as Rules;

    it("has one group with the two candidate alerts, built from the queries' expressions", () => {
        assert.equal(rules.groups.length, 1);
        assert.equal(rules.groups[0].name, "rollout-lab-candidate");
        const [errors, latency] = rules.groups[0].rules;
        const c = candidateQueries("v2");
        assert.equal(errors.alert, "CandidateErrorRatioHigh");
        assert.equal(errors.expr, `(${c.errorRatio.expr}) > 0.05`);
        assert.equal(latency.alert, "CandidateLatencyHigh");
        assert.equal(latency.expr, `(${c.p95Latency.expr}) > 0.5`);
        for (const r of [errors, latency]) {
            assert.equal(r.for, "2m");
            assert.deepEqual(r.labels, { severity: "critical", version: "v2", release: "candidate" });
            assert.ok(r.annotations.summary.includes("v2"));
            assert.ok(r.annotations.description.includes("{{ $value"));
        }
    });

    it("gives the rollout tool the same expressions and thresholds as data", () => {
        const alerts = candidateAlerts(spec);
        assert.deepEqual(
            alerts.map((a) => [a.alert, a.threshold, a.expr]),
            rules.groups[0].rules.map((r, i) => [r.alert, [0.05, 0.5][i], r.expr]),
        );
        assert.equal(alerts[0].query, candidateQueries("v2").errorRatio.expr);
    });

    it("refuses thresholds and durations Prometheus would not take", () => {
        assert.throws(() => renderAlertRules({ ...spec, errorRatioThreshold: 1.5 }), /errorRatioThreshold: got 1.5/);
        assert.throws(() => renderAlertRules({ ...spec, p95LatencyThresholdSeconds: 0 }), /p95LatencyThresholdSeconds/);
        assert.throws(() => renderAlertRules({ ...spec, forDuration: "2 minutes" }), /forDuration: got "2 minutes"/);
        assert.doesNotThrow(() => renderAlertRules({ ...spec, forDuration: "0s" }));
        assert.doesNotThrow(() => renderAlertRules({ ...spec, forDuration: "1h30m" }));
    });
});

type Target = { expr: string; refId: string; legendFormat: string; datasource: { type: string; uid: string } };
type Panel = {
    id: number;
    type: string;
    title: string;
    datasource: { type: string; uid: string };
    gridPos: { x: number; y: number; w: number; h: number };
    fieldConfig: { defaults: { unit: string } };
    targets: Target[];
};
type Dashboard = {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    time: { from: string; to: string };
    refresh: string;
    editable: boolean;
    tags: string[];
    templating: { list: unknown[] };
    annotations: { list: unknown[] };
};

function model(d: GeneratedDashboard): Dashboard {
    return JSON.parse(d.json) as Dashboard;
}

describe("monitoring: Grafana dashboards", () => {
    const platforms: MonitoringPlatform[] = ["kubernetes", "swarm", "static"];

    for (const platform of platforms) {
        describe(platform, () => {
            const dashboards = allDashboards({ platform });
            const queries = allQueries({ platform });
            const exprs = new Set(Object.values(queries).map((q) => q.expr));

            it("has the overview, node and container dashboards with the fields Grafana requires", () => {
                assert.deepEqual(
                    dashboards.map((d) => d.uid),
                    [dashboardUids.overview, dashboardUids.nodes, dashboardUids.containers],
                );
                for (const d of dashboards) {
                    const m = model(d);
                    assert.equal(m.uid, d.uid);
                    assert.equal(m.title, d.title);
                    assert.ok(m.uid.length <= 40 && /^[a-zA-Z0-9_-]+$/.test(m.uid), m.uid);
                    assert.ok(m.title.startsWith("Rollout lab: "));
                    assert.equal(typeof m.schemaVersion, "number");
                    assert.ok(m.schemaVersion >= 39, `schemaVersion ${m.schemaVersion}`);
                    assert.deepEqual(m.time, { from: "now-15m", to: "now" });
                    assert.equal(m.refresh, "5s");
                    assert.equal(m.editable, false);
                    assert.ok(m.tags.includes("rollout-lab"));
                    assert.deepEqual(m.templating, { list: [] });
                    assert.deepEqual(m.annotations, { list: [] });
                    assert.ok(m.panels.length > 0);
                }
            });

            it("lays every panel on the 24-column grid without overlap, with unique ids", () => {
                for (const d of dashboards) {
                    const panels = model(d).panels;
                    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
                    const cells = new Set<string>();
                    for (const p of panels) {
                        const g = p.gridPos;
                        assert.ok(Number.isInteger(g.x) && Number.isInteger(g.y) && g.w > 0 && g.h > 0 && g.x + g.w <= 24, JSON.stringify(g));
                        for (let x = g.x; x < g.x + g.w; x++) {
                            for (let y = g.y; y < g.y + g.h; y++) {
                                assert.ok(!cells.has(`${x},${y}`), `${d.uid}: ${p.title} overlaps at ${x},${y}`);
                                cells.add(`${x},${y}`);
                            }
                        }
                    }
                }
            });

            it("queries the provisioned datasource with an expression from queries.ts in every target", () => {
                for (const d of dashboards) {
                    for (const p of model(d).panels) {
                        assert.equal(p.type, "timeseries");
                        assert.deepEqual(p.datasource, { type: "prometheus", uid: datasourceUid });
                        assert.ok(p.targets.length > 0, p.title);
                        for (const t of p.targets) {
                            assert.ok(exprs.has(t.expr), `${d.uid} / ${p.title}: ${t.expr} is not in queries.ts`);
                            assert.deepEqual(t.datasource, { type: "prometheus", uid: datasourceUid });
                            assert.equal(t.refId, "A");
                            assert.ok(t.legendFormat);
                        }
                    }
                }
            });

            it("shows in the overview each version's traffic, errors, latency, copies, CPU and memory", () => {
                const v = versionQueries({ platform });
                const want = [v.requestsPerSecond, v.errorRatio, v.p95Latency, v.replicas];
                if (platform !== "static") {
                    want.push(v.containerCpu, v.containerMemory);
                }
                want.push(v.processCpu, v.processMemory);
                const panels = model(dashboards[0]).panels;
                assert.deepEqual(
                    panels.map((p) => [p.title, p.targets[0].expr, p.fieldConfig.defaults.unit, p.targets[0].legendFormat]),
                    want.map((q) => [q.title, q.expr, q.unit, "{{version}}"]),
                );
            });

            it("shows node-exporter in the node view and cAdvisor in the container view", () => {
                assert.deepEqual(
                    model(dashboards[1]).panels.map((p) => p.targets[0].expr),
                    Object.values(nodeQueries()).map((q) => q.expr),
                );
                assert.deepEqual(
                    model(dashboards[2]).panels.map((p) => p.targets[0].expr),
                    Object.values(containerQueries({ platform })).map((q) => q.expr),
                );
            });
        });
    }

    it("provisions the Prometheus datasource with the dashboards' uid and a file provider for the dashboards", () => {
        const p = grafanaProvisioning({ prometheusUrl: "http://prometheus:9090", scrapeInterval: "5s" });
        const ds = parse(p.datasourcesYaml) as { apiVersion: number; datasources: Record<string, unknown>[] };
        assert.equal(ds.apiVersion, 1);
        assert.deepEqual(ds.datasources, [
            {
                name: "Prometheus",
                uid: "prometheus",
                type: "prometheus",
                access: "proxy",
                url: "http://prometheus:9090",
                isDefault: true,
                editable: false,
                jsonData: { timeInterval: "5s", httpMethod: "POST" },
            },
        ]);
        const providers = parse(p.dashboardProvidersYaml) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
        assert.equal(providers.apiVersion, 1);
        assert.equal(providers.providers.length, 1);
        assert.equal(providers.providers[0].type, "file");
        assert.equal(providers.providers[0].options.path, "/var/lib/grafana/dashboards");
        assert.equal(p.dashboardsPath, "/var/lib/grafana/dashboards");
        assert.equal(parse(grafanaProvisioning({ prometheusUrl: "u", dashboardsPath: "/d" }).dashboardProvidersYaml).providers[0].options.path, "/d");
    });
});
