// What `lab check` measures on the live lab: answers from the entry point (on 127.0.0.1), the running
// copies per release (Swarm services through the docker CLI, Deployments through kubectl), the
// candidate's own request counter (the copies a shadow receives), and Prometheus's scrape targets.
import { execFile } from "child_process";
import * as http from "http";
import { promisify } from "util";
import { z } from "zod";
import { EntrySample, LiveWorkload, ScrapeTarget } from "./check";
import { kubectlFor } from "../../lib/kubectl";
import { LabNode, labNodes } from "./nodes";

const run = promisify(execFile);

/** `n` requests one after another, each answered within 5 s or counted as failed by kind. */
export async function sampleEntry(url: string, n: number, options: { headers?: Record<string, string>; newConnections?: boolean } = {}): Promise<EntrySample> {
    const sample: EntrySample = { requests: 0, answered: 0, failures: {}, versions: {}, colors: {} };
    const agent = options.newConnections ? false : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const one = () =>
        new Promise<{ version?: string; color?: string; failure?: string }>((resolve) => {
            const req = http.get(url, { agent, headers: options.headers, timeout: 5000 }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => (body += c));
                res.on("end", () => {
                    if (res.statusCode !== 200) {
                        resolve({ failure: `http-${res.statusCode}` });
                        return;
                    }
                    try {
                        const answer = JSON.parse(body) as { version?: unknown; color?: unknown };
                        resolve({ version: String(answer.version), color: String(answer.color) });
                    } catch {
                        resolve({ failure: "unreadable" });
                    }
                });
            });
            req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
            req.on("error", (e: NodeJS.ErrnoException) => resolve({ failure: e.code === "ECONNREFUSED" ? "refused" : e.code === "ECONNRESET" ? "reset" : (e.code ?? e.message) }));
        });
    try {
        for (let i = 0; i < n; i++) {
            const r = await one();
            sample.requests++;
            if (r.failure !== undefined) {
                sample.failures[r.failure] = (sample.failures[r.failure] ?? 0) + 1;
            } else {
                sample.answered++;
                sample.versions[r.version!] = (sample.versions[r.version!] ?? 0) + 1;
                sample.colors[r.color!] = (sample.colors[r.color!] ?? 0) + 1;
            }
        }
    } finally {
        if (agent) {
            agent.destroy();
        }
    }
    return sample;
}

/** The demo app's `http_requests_total`, summed over its series, from its /metrics text. */
export function requestsServed(metricsText: string): number {
    let n = 0;
    for (const line of metricsText.split("\n")) {
        if (line.startsWith("http_requests_total{") || line.startsWith("http_requests_total ")) {
            n += Number(line.trim().split(/\s+/).pop());
        }
    }
    return n;
}

/** How a platform's live workloads are read. */
export interface PlatformReader {
    unit: "tasks" | "pods";
    /** Running and desired copies of each named workload (Swarm service, Deployment). */
    workloads(named: { name: string; version: string }[]): Promise<LiveWorkload[]>;
    /** Requests a workload's copies have answered, summed over the copies. */
    served(name: string): Promise<number>;
    /** Kubernetes: the nodes the app's pods are on, and whether each is Ready. */
    nodes?(): Promise<LabNode[]>;
    /** Forget what was read: the next call reads the platform again (lab watch reads it at every reading). */
    refresh?(): void;
    close(): void;
}

/** One line of `docker service ls --format '{{json .}}'`. */
const serviceLine = z.object({ Name: z.string(), Replicas: z.string() });

/** "3/4" (running/desired), and "3/4 (max 1 per node)" as Docker writes it with placement limits. */
export function parseSwarmReplicas(text: string): { running: number; desired: number } | undefined {
    const m = /^(\d+)\/(\d+)/.exec(text.trim());
    return m ? { running: Number(m[1]), desired: Number(m[2]) } : undefined;
}

export function swarmReader(): PlatformReader {
    const docker = async (...args: string[]) => (await run("docker", args, { encoding: "utf8", maxBuffer: 16 << 20 })).stdout.trim();
    return {
        unit: "tasks",
        async workloads(named) {
            const lines = (await docker("service", "ls", "--format", "{{json .}}")).split("\n").filter(Boolean);
            const services = lines.map((l) => serviceLine.parse(JSON.parse(l)));
            return named.flatMap(({ name, version }) => {
                const s = services.find((x) => x.Name === name);
                const r = s === undefined ? undefined : parseSwarmReplicas(s.Replicas);
                return r === undefined ? [] : [{ name, version, ...r }];
            });
        },
        async served(name) {
            const ids = (await docker("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${name}`)).split("\n").filter(Boolean);
            // The app's image has Node.js: each task reads its own /metrics on its loopback.
            const script = "fetch('http://127.0.0.1:8080/metrics').then(r => r.text()).then(t => process.stdout.write(t))";
            let n = 0;
            for (const id of ids) {
                n += requestsServed(await docker("exec", id, "node", "-e", script));
            }
            return n;
        },
        close() {},
    };
}

const deploymentList = z.object({
    items: z.array(
        z.object({
            metadata: z.object({ name: z.string() }),
            spec: z.object({ replicas: z.number().optional(), selector: z.object({ matchLabels: z.record(z.string(), z.string()).optional() }) }),
            status: z.object({ readyReplicas: z.number().optional() }).optional(),
        }),
    ),
});

/**
 * How kubectl reaches the cluster: the kubeconfig a kind stack outputs (its content), or, on an existing
 * cluster, the stack's kubernetes.kubeconfig file and kubernetes.context (kubectl's defaults when unset).
 */
export interface ClusterAccess {
    kubeconfig?: string;
    kubeconfigFile?: string;
    context?: string;
}

/** Deployments and pods through kubectl with the stack's kubeconfig (the API server on 127.0.0.1). */
export function kubernetesReader(access: ClusterAccess, namespace: string): PlatformReader {
    const kubectl = kubectlFor(access, 120_000);
    let deployments: z.infer<typeof deploymentList> | undefined;
    const list = async () => (deployments ??= deploymentList.parse(JSON.parse(await kubectl("-n", namespace, "get", "deployments", "-o", "json"))));
    return {
        unit: "pods",
        async workloads(named) {
            const { items } = await list();
            return named.flatMap(({ name, version }) => {
                const d = items.find((x) => x.metadata.name === name);
                return d === undefined ? [] : [{ name, version, desired: d.spec.replicas ?? 1, running: d.status?.readyReplicas ?? 0 }];
            });
        },
        async served(name) {
            const d = (await list()).items.find((x) => x.metadata.name === name);
            const selector = Object.entries(d?.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
            if (d === undefined || selector === "") {
                throw new Error(`no Deployment ${name} in namespace ${namespace}`);
            }
            const pods = (await kubectl("-n", namespace, "get", "pods", "-l", selector, "--field-selector=status.phase=Running", "-o", "name")).split("\n").filter(Boolean);
            let n = 0;
            for (const pod of pods) {
                n += requestsServed(await kubectl("get", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod.replace(/^pod\//, "")}:8080/proxy/metrics`));
            }
            return n;
        },
        async nodes() {
            const pods = await kubectl("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/name=demo-app", "-o", "json");
            return labNodes(await kubectl("get", "nodes", "-o", "json"), pods);
        },
        refresh() {
            deployments = undefined;
        },
        close() {
            kubectl.close();
        },
    };
}

const targetsResponse = z.object({
    status: z.literal("success"),
    data: z.object({ activeTargets: z.array(z.object({ labels: z.record(z.string(), z.string()), scrapeUrl: z.string(), health: z.string() })) }),
});

/** Prometheus's active scrape targets and their health. */
export async function scrapeTargets(prometheusUrl: string): Promise<ScrapeTarget[]> {
    let res: Response;
    try {
        res = await fetch(`${prometheusUrl.replace(/\/$/, "")}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(10000) });
    } catch (e) {
        throw new Error(`Prometheus at ${prometheusUrl} did not answer: ${(e as Error).message}`);
    }
    const parsed = targetsResponse.parse(await res.json());
    return parsed.data.activeTargets.map((t) => ({ job: t.labels.job ?? "?", instance: t.labels.instance ?? t.scrapeUrl, health: t.health }));
}
