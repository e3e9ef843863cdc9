// A class file: one shared cluster, one lab per student. Each student's lab is a stack file of stacks/
// (the class's, or the student's own) brought up with platform kubernetes in a namespace, a NodePort and
// credentials of its own (kubernetes.studentAccess). The file is checked by a schema; each lab's config is
// then checked by the lab's own schema before anything runs.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { LabUsageError } from "../../../components/plan";
import { knownStacks, loadStackConfig } from "../../lib/stackFile";
import type { ClassSharedArgs } from "../../../program/classShared";

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/, { message: "a lower-case DNS label of at most 32 characters" });
const stackName = z.string().refine((s) => knownStacks().includes(s), { message: "a stack of stacks/ (npx lab stacks lists them)" });
const pathConfig = z.record(z.string().regex(/^rollout-lab:[A-Za-z][\w.]*$/, { message: "rollout-lab:<key>" }), z.union([z.string(), z.number(), z.boolean()]).transform(String));

const student = z.union([
    dnsLabel.transform((name) => ({ name })),
    z.object({ name: dnsLabel, stack: stackName.optional(), config: pathConfig.optional() }).strict(),
]);

export const classSchema = z
    .object({
        /** The class's name: its labs' state lives in .pulumi/classes/<name>/<student>/. */
        name: dnsLabel,
        /** The shared cluster; kubectl's defaults ($KUBECONFIG, its current context) where unset. */
        cluster: z.object({ kubeconfig: z.string().min(1).optional(), context: z.string().min(1).optional() }).strict().prefault({}),
        /** Every student's lab starts from this stack file, unless the student names another. */
        stack: stackName,
        /** Where the cluster's NodePorts are reached: a lab's entryUrl is http://<entryHost>:<its NodePort>. */
        entryHost: z.string().regex(/^[A-Za-z0-9.-]+$/, { message: "a host name or address" }),
        /** The first student's NodePort; the others take the next ones, in the students' order. */
        firstNodePort: z.number().int().min(30000).max(32767).default(30081),
        /** Each student gets credentials reaching only their lab (kubernetes.studentAccess). */
        studentAccess: z.boolean().default(true),
        /**
         * What the class installs once for every lab instead of each lab its own, in the namespace
         * `<name>-shared`: `exporters`, node-exporter and cAdvisor, read by each lab's Prometheus (scoped to its
         * lab); `traefik`, the Gateway API's CRDs and one Traefik with an entry point per lab on the lab's
         * NodePort, which the labs routing by Traefik use (traefik.install false).
         */
        shared: z.object({ exporters: z.boolean().default(false), traefik: z.boolean().default(false) }).strict().prefault({}),
        /** Stack config every lab gets, by path ("rollout-lab:monitoring.enabled": false). */
        config: pathConfig.default({}),
        students: z.array(student).min(1).max(200),
    })
    .strict()
    .superRefine((c, ctx) => {
        const seen = new Set<string>();
        c.students.forEach((s, i) => {
            if (seen.has(s.name)) {
                ctx.addIssue({ code: "custom", path: ["students", i, "name"], message: `a name no other student has (${s.name} is there twice)` });
            }
            seen.add(s.name);
            if ((c.shared.exporters || c.shared.traefik) && [`lab-${s.name}`, `lab-${s.name}-monitoring`].includes(sharedNamespace(c))) {
                ctx.addIssue({ code: "custom", path: ["students", i, "name"], message: `a name whose lab's namespaces are not the class's shared namespace ${sharedNamespace(c)}` });
            }
        });
        if (c.firstNodePort + c.students.length - 1 > 32767) {
            ctx.addIssue({ code: "custom", path: ["firstNodePort"], message: `at most ${32767 - c.students.length + 1}, so that ${c.students.length} students fit below 32768` });
        }
    });

export type ClassFile = z.output<typeof classSchema>;

/** One student's lab: what `lab class` brings up, checks and tears down. */
export interface StudentLab {
    student: string;
    stack: string;
    namespace: string;
    nodePort: number;
    entryUrl: string;
    /** The stack config the lab is brought up with, by path, over its stack file. */
    config: Record<string, string>;
}

/** Reads and checks a class file; every problem named by its key, the value and what is allowed. */
export function readClassFile(file: string): ClassFile {
    let raw: unknown;
    try {
        raw = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new LabUsageError("class file", JSON.stringify(file), `a readable YAML file (${(e as Error).message.split("\n")[0]})`);
    }
    const parsed = classSchema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => {
            const key = i.path.join(".") || "(the file)";
            // A student given as a bare name is the name itself.
            const given = i.path.reduce<unknown>((node, k) => (typeof node === "string" && k === "name" ? node : (node as Record<string | number, unknown> | undefined)?.[k as string]), raw);
            return `${key}: got ${given === undefined ? "nothing" : JSON.stringify(given)}; allowed: ${i.message}`;
        });
        throw new LabUsageError("class file", JSON.stringify(file), `a class file without these problems:\n  - ${problems.join("\n  - ")}`);
    }
    return parsed.data;
}

/** The students' labs of a class, in the file's order. */
export function studentLabs(c: ClassFile): StudentLab[] {
    return c.students.map((s, i) => {
        const nodePort = c.firstNodePort + i;
        const entryUrl = `http://${c.entryHost}:${nodePort}`;
        const namespace = `lab-${s.name}`;
        return {
            student: s.name,
            stack: "stack" in s && s.stack !== undefined ? s.stack : c.stack,
            namespace,
            nodePort,
            entryUrl,
            config: {
                ...c.config,
                ...("config" in s ? s.config : {}),
                "rollout-lab:platform": "kubernetes",
                "rollout-lab:namespace": namespace,
                "rollout-lab:kubernetes.nodePort": String(nodePort),
                "rollout-lab:kubernetes.entryUrl": entryUrl,
                "rollout-lab:kubernetes.studentAccess": String(c.studentAccess),
                ...(c.cluster.kubeconfig !== undefined ? { "rollout-lab:kubernetes.kubeconfig": path.resolve(c.cluster.kubeconfig) } : {}),
                ...(c.cluster.context !== undefined ? { "rollout-lab:kubernetes.context": c.cluster.context } : {}),
                ...(c.shared.exporters ? { "rollout-lab:monitoring.exportersNamespace": sharedNamespace(c) } : {}),
                // Read by the labs that route by Traefik; the others have no use for them.
                ...(c.shared.traefik
                    ? { "rollout-lab:traefik.install": "false", "rollout-lab:gatewayApi.install": "false", "rollout-lab:traefik.listenerPort": String(sharedEntryPoint(i).port) }
                    : {}),
            },
        };
    });
}

/** The shared Traefik's entry point for the i-th student (0-based): its own port, which its lab's Gateway listens on. */
export function sharedEntryPoint(i: number): { name: string; port: number } {
    return { name: `lab-${i + 1}`, port: 8001 + i };
}

/** The namespace of the class's shared parts (shared.exporters, shared.traefik). */
export function sharedNamespace(c: { name: string }): string {
    return `${c.name}-shared`;
}

/**
 * What the class's shared part installs (undefined when it has none): the exporters' images and Traefik's
 * image and CRDs as the labs would have used them (the class's config over the first lab's stack file),
 * with an entry point per student routing by Traefik, on the student's NodePort.
 */
export function sharedPartArgs(c: ClassFile): ClassSharedArgs | undefined {
    if (!c.shared.exporters && !c.shared.traefik) {
        return undefined;
    }
    const labs = studentLabs(c);
    const configs = labs.map((l) => loadStackConfig(l.stack, undefined, l.config));
    const config = configs[0];
    return {
        kubeconfig: c.cluster.kubeconfig !== undefined ? path.resolve(c.cluster.kubeconfig) : undefined,
        context: c.cluster.context,
        namespace: sharedNamespace(c),
        ...(c.shared.exporters ? { exporters: { nodeExporter: config.monitoring.images.nodeExporter, cadvisor: config.monitoring.images.cadvisor } } : {}),
        ...(c.shared.traefik
            ? {
                  traefik: {
                      config: config.traefik,
                      // The labs leave the CRDs to the class (gatewayApi.install false): the class installs them.
                      gatewayApi: { ...config.gatewayApi, install: true },
                      // Only the labs that route by Traefik: the others' NodePorts are their own Services'.
                      entryPoints: labs.flatMap((l, i) => (configs[i].traffic === "traefik" ? [{ ...sharedEntryPoint(i), servicePort: sharedEntryPoint(i).port, nodePort: l.nodePort }] : [])),
                  },
              }
            : {}),
    };
}

/**
 * What a shared Traefik cannot do for a student's lab, refused before anything runs: shadow (its mirroring
 * service is a lab's own Traefik's file provider) and canary.sticky (its TraefikServices need a CRD provider
 * on the lab's namespace).
 */
export function assertSharedTraefikFits(c: ClassFile): void {
    if (!c.shared.traefik) {
        return;
    }
    studentLabs(c).forEach((l, i) => {
        const config = loadStackConfig(l.stack, undefined, l.config);
        const why = config.traffic !== "traefik" ? undefined : config.strategy === "shadow" ? "shadow mirrors through a lab's own Traefik" : config.canary.sticky ? "canary.sticky reads TraefikServices through a lab's own Traefik" : undefined;
        if (why !== undefined) {
            throw new LabUsageError(`class file: students.${i}`, `${l.student} on ${l.stack}`, `a stack a shared Traefik can route (${why}), another router for this student, or shared.traefik false`);
        }
    });
}

/** Where a class's labs keep their state: one scratch project per student (and `.shared`, the class's shared part). */
export function classDir(stateRoot: string, c: ClassFile, student: string): string {
    return path.join(stateRoot, "classes", c.name, student);
}
