// The rules that keep the app answering while its pods come and go (a pod replaced, killed, evicted from
// a drained node): every container of the app's Deployments pauses before it stops (preStop) within a
// grace period longer than the pause, and a disruption budget covers every release. They judge the lab's
// own app Deployments (their pods carry the rollout-lab/role label); monitoring and routers are not
// asked: a scrape or a dashboard missed while a pod restarts is not a user's failed request.

/** A resource as the rules see it (policy/rules.ts's ResourceInput). */
interface Resource {
    type: string;
    name: string;
    props: Record<string, any>;
}

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const ROLE_LABEL = "rollout-lab/role";
/** Kubernetes' default grace period. */
const DEFAULT_GRACE_S = 30;

const podLabelsOf = (r: Resource): Record<string, string> | undefined => r.props.spec?.template?.metadata?.labels;
const isAppDeployment = (r: Resource) => r.type === DEPLOYMENT && podLabelsOf(r)?.[ROLE_LABEL] !== undefined;

export function gracefulShutdown(r: Resource): string[] {
    if (!isAppDeployment(r)) return [];
    const pod = r.props.spec?.template?.spec ?? {};
    const grace: number = typeof pod.terminationGracePeriodSeconds === "number" ? pod.terminationGracePeriodSeconds : DEFAULT_GRACE_S;
    return (pod.containers ?? []).flatMap((c: Record<string, any>) => {
        const preStop = c.lifecycle?.preStop;
        if (preStop === undefined || preStop === null) {
            return [`${r.name}/${c.name}: no preStop hook: the pod stops answering while proxies still send to it (lifecycle.preStop.sleep)`];
        }
        const sleep = preStop.sleep?.seconds;
        return typeof sleep === "number" && grace <= sleep
            ? [`${r.name}/${c.name}: terminationGracePeriodSeconds ${grace} is not longer than the preStop sleep of ${sleep} s: the pod is killed before it has finished answering`]
            : [];
    });
}

/** Every app Deployment's pods are selected by a PodDisruptionBudget of its namespace (an unknown namespace matches). */
export function disruptionBudgets(resources: readonly Resource[]): string[] {
    const budgets = resources.filter((r) => r.type === PDB);
    const sameNamespace = (a: Resource, b: Resource) => {
        const [x, y] = [a.props.metadata?.namespace, b.props.metadata?.namespace];
        return typeof x !== "string" || typeof y !== "string" || x === y;
    };
    return resources.filter(isAppDeployment).flatMap((d) => {
        const labels = podLabelsOf(d) ?? {};
        const covered = budgets.some((b) => {
            const match: Record<string, string> | undefined = b.props.spec?.selector?.matchLabels;
            return sameNamespace(d, b) && match !== undefined && Object.entries(match).every(([k, v]) => labels[k] === v);
        });
        return covered ? [] : [`${d.name}: no PodDisruptionBudget selects its pods: a drained node may take them all at once`];
    });
}

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const isTraefik = (r: Resource) => r.type === DEPLOYMENT && podLabelsOf(r)?.["app.kubernetes.io/name"] === "traefik";

/**
 * Traefik retries what a dead pod refused: every entry point of its Deployment (but its own `traefik`
 * one, ping and metrics) goes through a retry middleware, and the lab's retry file (the traefik-dynamic
 * ConfigMap's retry.yaml) tries more than once.
 */
export function routerRetries(r: Resource): string[] {
    if (isTraefik(r)) {
        const args: string[] = (r.props.spec?.template?.spec?.containers ?? []).flatMap((c: Record<string, any>) => c.args ?? []);
        const entryPoints = args.map((a) => /^--entryPoints\.([^.=]+)\.address=/i.exec(a)?.[1]).filter((e): e is string => e !== undefined && e !== "traefik");
        return entryPoints
            .filter((e) => !args.some((a) => a.toLowerCase().startsWith(`--entrypoints.${e.toLowerCase()}.http.middlewares=`) && /retry/.test(a)))
            .map((e) => `${r.name}: entry point ${e} has no retry middleware: a request sent to a pod that died is lost (traefik.retry)`);
    }
    const retryFile = r.type === CONFIG_MAP ? r.props.data?.["retry.yaml"] : undefined;
    const attempts = typeof retryFile === "string" ? /attempts:\s*(\d+)/.exec(retryFile)?.[1] : undefined;
    return attempts !== undefined && Number(attempts) < 2 ? [`${r.name}: Traefik's retry makes ${attempts} attempt: a request sent to a pod that died is lost (traefik.retry.attempts 2 or more)`] : [];
}
