import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LabConfig } from "../components/config";
import { containerLimits } from "../components/docker/containerLimits";
import { httpCheckTests } from "../components/docker/healthcheck";
import { grafanaProvisioning } from "./dashboards";
import { monitoringFiles } from "./monitoringFiles";
import { defaultRulesFile, prometheusArgs, renderPrometheusConfig } from "./prometheusConfig";

// Monitoring on Swarm. node-exporter and cAdvisor run as global services (a task on every node), found by
// Prometheus through DNS like the app. Prometheus and Grafana are containers on the attachable overlay
// networks, like the edge, so that they can publish on 127.0.0.1 only. Grafana is optional
// (`monitoring.grafana: false`): where its image cannot be had, the rest works without it.

export interface SwarmMonitoringArgs {
    config: LabConfig;
    /** The app's network: Prometheus joins it to reach tasks.<app service>. */
    appNetwork: docker.Network;
    /** Full names of the app's Swarm services. */
    appServices: string[];
    dependsOn: pulumi.Resource[];
}

const hostMount = (source: string, target: string) => ({ type: "bind", source, target, readOnly: true });

/** What differs between the two exporters: where they read the host, who they run as, what they ask for. */
interface ExporterSpec {
    image: string;
    args: string[];
    mounts: ReturnType<typeof hostMount>[];
    /** The container's user; undefined keeps the image's (cAdvisor: root, waived below). */
    user?: string;
    /** Port and path of the endpoint its healthcheck asks. */
    health: { port: number; path: string };
    /** What Swarm sets aside for a task on every node (the limits are the same for both). */
    reservation: { nanoCpus: number; memoryBytes: number };
    /** Service labels; the policy pack's waivers go here (a container label would replace the Service). */
    labels?: { label: string; value: string }[];
}

/** Where Grafana reads its admin password from: uploaded as root's, mode 0644, for Grafana (uid 472), the container's only process. */
const grafanaPasswordFile = "/run/secrets/grafana-admin-password";

/** How often Docker checks Prometheus and Grafana, as the provider reads it back (Go durations: "10s", never "1m"), since a change replaces the container. */
const containerCheckTiming = { interval: "10s", timeout: "3s", retries: 3, startPeriod: "30s" };

/** Why cAdvisor runs as root on Swarm, as the policy pack reads it. */
const cadvisorRootReason =
    "cAdvisor asks the Docker API on /var/run/docker.sock (root:docker, 0660) and reads each container's layers under /var/lib/docker (root only, 0710); it runs as root, as upstream's image does";

export class SwarmMonitoring extends pulumi.ComponentResource {
    /** Grafana's generated admin password (secret); undefined when `monitoring.grafana` is false. */
    public readonly grafanaAdminPassword?: pulumi.Output<string>;
    public readonly network: docker.Network;

    constructor(name: string, args: SwarmMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:monitoring:SwarmMonitoring", name, {}, opts);
        const { config } = args;
        this.network = new docker.Network(
            `${name}-net`,
            { name: `${config.namespace}-monitoring`, driver: "overlay", attachable: true, labels: [{ label: "rollout-lab.network", value: "monitoring" }] },
            { parent: this, dependsOn: args.dependsOn },
        );
        const exporters = swarmExporters(name, config, this.network, this);
        const files = monitoringFiles(config, "swarm");
        swarmPrometheus(name, { ...args, files, network: this.network }, [...exporters, ...args.dependsOn], this);
        if (config.monitoring.grafana) {
            this.grafanaAdminPassword = swarmGrafana(name, { config, files, network: this.network }, this);
        }
        this.registerOutputs({ network: this.network.name });
    }
}

/** node-exporter and cAdvisor as global services (a task on every node) on the monitoring network. */
function swarmExporters(name: string, config: LabConfig, network: docker.Network, parent: pulumi.Resource): docker.Service[] {
    const { monitoring, namespace: ns } = config;
    const exporter = (service: string, spec: ExporterSpec) =>
        new docker.Service(
            `${name}-${service}`,
            {
                name: `${ns}-${service}`,
                labels: spec.labels,
                taskSpec: {
                    containerSpec: {
                        image: spec.image,
                        args: spec.args,
                        mounts: spec.mounts,
                        user: spec.user,
                        healthcheck: { tests: httpCheckTests(spec.health.port, spec.health.path), interval: "10s", timeout: "3s", retries: 3, startPeriod: "10s" },
                    },
                    networksAdvanceds: [{ id: network.id }],
                    resources: { limits: { nanoCpus: 300_000_000, memoryBytes: 256 * 1024 * 1024 }, reservation: spec.reservation },
                    // In full, as Swarm reads it back: an unchanged stack then plans no update.
                    restartPolicy: { condition: "any", delay: "5s", maxAttempts: 0, window: "0s" },
                },
                mode: { global: true },
                endpointSpec: { mode: "dnsrr" },
            },
            { parent },
        );
    // nobody, as in prom/node-exporter and the local build (monitoring/images/node-exporter).
    const nodeExporter = exporter("node-exporter", {
        image: monitoring.images.nodeExporter,
        args: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"],
        mounts: [hostMount("/proc", "/host/proc"), hostMount("/sys", "/host/sys"), hostMount("/", "/host/root")],
        user: "65534:65534",
        health: { port: 9100, path: "/" },
        reservation: { nanoCpus: 20_000_000, memoryBytes: 32 * 1024 * 1024 },
    });
    // The app's tasks carry their release as the VERSION variable, not as a container label (a label
    // change makes the docker provider replace the Service): cAdvisor exports it as container_env_version.
    const cadvisor = exporter("cadvisor", {
        image: monitoring.images.cadvisor,
        args: ["--housekeeping_interval=5s", "--docker_only=true", "--store_container_labels=true", "--env_metadata_whitelist=VERSION"],
        mounts: [
            hostMount("/", "/rootfs"),
            hostMount("/var/run", "/var/run"),
            hostMount("/sys", "/sys"),
            hostMount("/var/lib/docker", "/var/lib/docker"),
            hostMount("/dev/disk", "/dev/disk"),
        ],
        health: { port: 8080, path: "/healthz" },
        reservation: { nanoCpus: 50_000_000, memoryBytes: 64 * 1024 * 1024 },
        labels: [{ label: "rollout-lab.policy.waive.non-root", value: cadvisorRootReason }],
    });
    return [nodeExporter, cadvisor];
}

/** Prometheus as a container on the monitoring and app networks, its config and rules uploaded, its data on a volume. */
function swarmPrometheus(
    name: string,
    args: Pick<SwarmMonitoringArgs, "config" | "appNetwork" | "appServices"> & { files: ReturnType<typeof monitoringFiles>; network: docker.Network },
    dependsOn: pulumi.Resource[],
    parent: pulumi.Resource,
): docker.Container {
    const { monitoring, namespace: ns } = args.config;
    const prometheusConfig = renderPrometheusConfig({
        platform: "swarm",
        namespace: ns,
        services: args.appServices,
        scrapeInterval: monitoring.scrapeInterval,
        selfAddress: "localhost:9090",
    });
    const data = new docker.Volume(`${name}-prometheus-data`, { name: `${ns}-prometheus-data` }, { parent });
    return new docker.Container(
        `${name}-prometheus`,
        {
            name: `${ns}-prometheus`,
            image: monitoring.images.prometheus,
            command: prometheusArgs({
                configFile: "/etc/prometheus/prometheus.yml",
                storagePath: "/prometheus",
                retention: monitoring.retention,
                listenAddress: "0.0.0.0:9090",
            }),
            uploads: [
                { file: "/etc/prometheus/prometheus.yml", content: prometheusConfig },
                { file: defaultRulesFile, content: args.files.rules },
            ],
            volumes: [{ volumeName: data.name, containerPath: "/prometheus" }],
            networksAdvanced: [{ name: args.network.name }, { name: args.appNetwork.name }],
            ports: [{ internal: 9090, external: monitoring.prometheusPort, ip: monitoring.listenAddress }],
            restart: "unless-stopped",
            // nobody, as in prom/prometheus and the local build; /prometheus is nobody's in both images.
            user: "65534:65534",
            healthcheck: { tests: httpCheckTests(9090, "/-/ready"), ...containerCheckTiming },
            ...containerLimits({ memoryMb: 1024, reservationMb: 256, cpus: "1.0" }),
        },
        { parent, dependsOn },
    );
}

interface SwarmGrafanaArgs {
    config: LabConfig;
    /** The generated dashboards Grafana provisions. */
    files: ReturnType<typeof monitoringFiles>;
    /** The monitoring network, where Grafana reaches Prometheus by its container name. */
    network: docker.Network;
}

/** Grafana as a container next to Prometheus, with its datasource and dashboards uploaded; returns its admin password (secret). */
function swarmGrafana(name: string, args: SwarmGrafanaArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const { config, files } = args;
    const { monitoring } = config;
    const ns = config.namespace;
    const password = new random.RandomPassword(`${name}-grafana-password`, { length: 24, special: false }, { parent });
    const adminPassword = pulumi.secret(password.result);
    const provisioning = grafanaProvisioning({ prometheusUrl: `http://${ns}-prometheus:9090`, scrapeInterval: monitoring.scrapeInterval });
    new docker.Container(
        `${name}-grafana`,
        {
            name: `${ns}-grafana`,
            image: monitoring.images.grafana,
            envs: [
                // Grafana's image reads a `__FILE` variable's file into the variable: the password stays
                // out of the container's environment, which `docker inspect` shows to anyone on the host.
                `GF_SECURITY_ADMIN_PASSWORD__FILE=${grafanaPasswordFile}`,
                "GF_SECURITY_ADMIN_USER=admin",
                "GF_USERS_ALLOW_SIGN_UP=false",
                "GF_ANALYTICS_REPORTING_ENABLED=false",
                "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
                `GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH=${provisioning.dashboardsPath}/rollout-lab-overview.json`,
            ],
            uploads: [
                { file: grafanaPasswordFile, content: adminPassword },
                { file: "/etc/grafana/provisioning/datasources/rollout-lab.yml", content: provisioning.datasourcesYaml },
                { file: "/etc/grafana/provisioning/dashboards/rollout-lab.yml", content: provisioning.dashboardProvidersYaml },
                ...files.dashboards.map((d) => ({ file: `${provisioning.dashboardsPath}/${d.uid}.json`, content: d.json })),
            ],
            networksAdvanced: [{ name: args.network.name }],
            ports: [{ internal: 3000, external: monitoring.grafanaPort, ip: monitoring.listenAddress }],
            restart: "unless-stopped",
            // grafana, as in Grafana's image (uid 472, group root).
            user: "472",
            healthcheck: { tests: httpCheckTests(3000, "/api/health"), ...containerCheckTiming },
            ...containerLimits({ memoryMb: 512, reservationMb: 128, cpus: "0.5" }),
        },
        { parent },
    );
    return adminPassword;
}
