import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

// A student's own credentials for a lab on a shared cluster (kubernetes.studentAccess): a service
// account in the lab's namespace, bound to Kubernetes' built-in `edit` role there and `view` in the lab's
// monitoring namespace, and nothing cluster-wide; its token (a service-account-token Secret, which the
// provider waits for the controller to fill) in a kubeconfig that names the teacher's cluster.

export interface StudentAccessArgs {
    namespace: pulumi.Input<string>;
    /** The lab's monitoring namespace, where the student may read (view); none when monitoring is off. */
    monitoringNamespace?: pulumi.Input<string>;
    /** The teacher's kubeconfig and context, whose cluster (server and CA) the student's kubeconfig names. */
    kubeconfigFile?: string;
    context?: string;
}

export const studentAccount = "student";

/** The server and CA of the context's cluster in a kubeconfig file ($KUBECONFIG's first file, else ~/.kube/config). */
export function clusterOf(kubeconfigFile: string | undefined, context: string | undefined): { server: string; caData: string } {
    const file = kubeconfigFile ?? process.env.KUBECONFIG?.split(path.delimiter)[0] ?? path.join(os.homedir(), ".kube", "config");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as {
        "current-context"?: string;
        contexts?: { name: string; context: { cluster: string } }[];
        clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string } }[];
    };
    const name = context ?? doc["current-context"];
    const ctx = doc.contexts?.find((c) => c.name === name);
    const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster;
    if (ctx === undefined || cluster === undefined) {
        throw new Error(`kubernetes.context: got ${JSON.stringify(name)}; allowed: a context of ${file} with a cluster (${(doc.contexts ?? []).map((c) => c.name).join(", ") || "none"})`);
    }
    const caFile = cluster["certificate-authority"];
    const caData = cluster["certificate-authority-data"] ?? (caFile !== undefined ? fs.readFileSync(path.resolve(path.dirname(file), caFile)).toString("base64") : "");
    return { server: cluster.server, caData };
}

/** The student's kubeconfig: the cluster, the account's token, the lab's namespace as the default. */
export function studentKubeconfig(cluster: { server: string; caData: string }, namespace: string, token: string): string {
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "lab", cluster: { server: cluster.server, ...(cluster.caData !== "" ? { "certificate-authority-data": cluster.caData } : {}) } }],
        users: [{ name: studentAccount, user: { token } }],
        contexts: [{ name: "lab", context: { cluster: "lab", user: studentAccount, namespace } }],
        "current-context": "lab",
    });
}

/** Creates the account, its token and bindings; returns the student's kubeconfig (a secret). */
export function studentAccess(name: string, args: StudentAccessArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const cluster = clusterOf(args.kubeconfigFile, args.context);
    const labels = { "app.kubernetes.io/part-of": "rollout-lab" };
    const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: studentAccount, namespace: args.namespace, labels } }, opts);
    const token = new k8s.core.v1.Secret(
        `${name}-token`,
        {
            metadata: { name: `${studentAccount}-token`, namespace: args.namespace, labels, annotations: { "kubernetes.io/service-account.name": studentAccount } },
            type: "kubernetes.io/service-account-token",
        },
        { ...opts, dependsOn: [account] },
    );
    const bind = (suffix: string, namespace: pulumi.Input<string>, role: "edit" | "view") =>
        new k8s.rbac.v1.RoleBinding(
            `${name}-${suffix}`,
            {
                metadata: { name: `${studentAccount}-${role}`, namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
                subjects: [{ kind: "ServiceAccount", name: studentAccount, namespace: args.namespace }],
            },
            { ...opts, dependsOn: [account] },
        );
    bind("edit", args.namespace, "edit");
    if (args.monitoringNamespace !== undefined) {
        bind("monitoring-view", args.monitoringNamespace, "view");
    }
    return pulumi.secret(
        pulumi
            .all([args.namespace, token.data])
            .apply(([namespace, data]) => studentKubeconfig(cluster, namespace, Buffer.from((data as Record<string, string> | undefined)?.token ?? "", "base64").toString("utf8"))),
    );
}
