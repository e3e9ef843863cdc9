// `lab class up|check|down <class.yaml>`: a teacher's labs on one shared cluster, one per student (classFile.ts).
// Each lab is a scratch project of its own under .pulumi/classes/<class>/<student>/ (its stack file, its state),
// so students' labs never share a stack, and destroying one leaves the others as they are.
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { loadStackConfig } from "../../lib/stackFile";
import { LabStack, openLabStack, projectStateDir, scratchProgramStack } from "../../lib/workspace";
import * as automation from "@pulumi/pulumi/automation";
import { ClassSharedArgs, classSharedProgram } from "../../../program/classShared";
import { migrateCrdConfigFiles } from "../../lib/crdMigration";
import { engineOutput } from "../../lib/engine";
import { CheckReport, runChecks } from "../check/command";
import { CheckLine } from "../check/check";
import { PreflightError, assertPreflight, clusterKubectl, sharedNamespaceProblem } from "../../lib/preflight";
import { err, exitCodes, number } from "../cliArgs";
import { LabUsageError } from "../../../components/plan";
import { ClassFile, StudentLab, assertSharedTraefikFits, classDir, readClassFile, sharedNamespace, sharedPartArgs, studentLabs } from "./classFile";

export interface ClassOptions {
    /** Only these students' labs (names from the class file). */
    only?: string[];
    /** Where the labs' state goes (default: the project's .pulumi). */
    stateRoot?: string;
    /** Each line as it happens. */
    log?: (line: string) => void;
}

/** The labs to act on: every student's, or those `only` names (an unknown name is refused). */
function selected(c: ClassFile, only: string[] | undefined): StudentLab[] {
    const labs = studentLabs(c);
    if (only === undefined) {
        return labs;
    }
    const unknown = only.filter((s) => !labs.some((l) => l.student === s));
    if (unknown.length > 0) {
        throw new LabUsageError("--only", JSON.stringify(unknown.join(",")), `students of class ${c.name}: ${labs.map((l) => l.student).join(", ")}`);
    }
    return labs.filter((l) => only.includes(l.student));
}

async function openStudent(c: ClassFile, lab: StudentLab, stateRoot: string): Promise<LabStack> {
    return openLabStack({ stack: lab.stack, config: lab.config, scratchDir: classDir(stateRoot, c, lab.student) });
}

/** The class's shared part (sharedPartArgs) as a stack of its own under .pulumi/classes/<class>/.shared/. */
async function openShared(c: ClassFile, stateRoot: string, args: ClassSharedArgs): Promise<automation.Stack> {
    const program = async () => classSharedProgram(args);
    return scratchProgramStack(classDir(stateRoot, c, ".shared"), "rollout-lab-class", "shared", program);
}

/** The preflight's keys whose needs the class's shared part meets. */
function providedByClass(c: ClassFile): string[] {
    return [...(c.shared.exporters ? ["monitoring.exportersNamespace"] : []), ...(c.shared.traefik ? ["traefik.install", "gatewayApi.install"] : [])];
}

export interface StudentUp {
    student: string;
    namespace: string;
    entryUrl: string;
    seconds: number;
    /** The student's kubeconfig file (studentAccess), written beside the lab's state, mode 600. */
    kubeconfigFile?: string;
}

/** Brings every selected lab up (or updates it), one after another; each lab's config is checked first. */
export async function classUp(file: string, options: ClassOptions = {}): Promise<StudentUp[]> {
    const c = readClassFile(file);
    const labs = selected(c, options.only);
    const log = options.log ?? ((l: string) => err(`${l}\n`));
    const stateRoot = options.stateRoot ?? projectStateDir;
    // Every lab's config through the lab's own schema, and against the cluster, before anything is created.
    assertSharedTraefikFits(c);
    for (const lab of labs) {
        // What a lab needs of the class's shared part is the class's to install, just below.
        await assertPreflight(`${lab.student}'s lab`, loadStackConfig(lab.stack, undefined, lab.config), undefined, providedByClass(c));
    }
    const shared = sharedPartArgs(c);
    if (shared !== undefined) {
        const problem = await sharedNamespaceProblem(sharedNamespace(c), clusterKubectl(loadStackConfig(labs[0].stack, undefined, labs[0].config)));
        if (problem !== undefined) {
            throw new PreflightError(`class ${c.name}`, [problem]);
        }
        const parts = [...(shared.exporters ? ["node-exporter and cAdvisor"] : []), ...(shared.traefik ? [`Traefik (entry points ${shared.traefik.entryPoints.map((e) => `${e.port} on NodePort ${e.nodePort}`).join(", ")})`] : [])];
        log(`shared: ${parts.join("; ")} for the class in namespace ${sharedNamespace(c)}`);
        const t0 = Date.now();
        const sharedStack = await openShared(c, stateRoot, shared);
        await migrateCrdConfigFiles(sharedStack, log);
        await sharedStack.up({ onOutput: engineOutput("  [shared] "), color: "never" });
        log(`shared: up in ${Math.round((Date.now() - t0) / 100) / 10} s`);
    }
    const done: StudentUp[] = [];
    for (const [i, lab] of labs.entries()) {
        log(`[${i + 1}/${labs.length}] ${lab.student}: ${lab.stack} in namespace ${lab.namespace}, entry ${lab.entryUrl}`);
        const s = await openStudent(c, lab, stateRoot);
        const t0 = Date.now();
        await migrateCrdConfigFiles(s.stack, log);
        const r = await s.stack.up({ onOutput: engineOutput(`  [${lab.student}] `), color: "never" });
        const up: StudentUp = { student: lab.student, namespace: lab.namespace, entryUrl: lab.entryUrl, seconds: Math.round((Date.now() - t0) / 100) / 10 };
        const kubeconfig = r.outputs.studentKubeconfig?.value;
        if (typeof kubeconfig === "string") {
            up.kubeconfigFile = path.join(s.scratchDir, "student.kubeconfig");
            fs.writeFileSync(up.kubeconfigFile, kubeconfig, { mode: 0o600 });
        }
        log(`${lab.student}: up in ${up.seconds} s${up.kubeconfigFile !== undefined ? `; the student's kubeconfig: ${up.kubeconfigFile}` : ""}`);
        done.push(up);
    }
    return done;
}

export interface StudentCheck {
    student: string;
    namespace: string;
    stack: string;
    ok: boolean;
    checks: CheckLine[];
}

/** `lab check` on every selected lab (at a lesson step when given); a lab never brought up fails its check. */
export async function classCheck(file: string, options: ClassOptions & { step?: number; requests?: number } = {}): Promise<StudentCheck[]> {
    const c = readClassFile(file);
    const stateRoot = options.stateRoot ?? projectStateDir;
    const out: StudentCheck[] = [];
    for (const lab of selected(c, options.only)) {
        const dir = classDir(stateRoot, c, lab.student);
        let report: CheckReport;
        if (fs.existsSync(path.join(dir, "state"))) {
            const s = await openStudent(c, lab, stateRoot);
            report = await runChecks(lab.stack, s.stack, { step: options.step, requests: options.requests, stacksDir: path.join(dir, "stacks") });
        } else {
            report = { stack: lab.stack, step: options.step ?? null, ok: false, checks: [{ check: "deployed", status: "fail", measured: "never brought up (npx lab class up)", expected: "the lab up" }] };
        }
        out.push({ student: lab.student, namespace: lab.namespace, stack: lab.stack, ok: report.ok, checks: report.checks });
    }
    return out;
}

/** One line per student: PASS/FAIL, the student, the stack, the namespace, and what failed. */
export function classCheckLines(results: StudentCheck[]): string[] {
    const width = Math.max(...results.map((r) => r.student.length)) + 2;
    const stackWidth = Math.max(...results.map((r) => r.stack.length)) + 2;
    const nsWidth = Math.max(...results.map((r) => r.namespace.length)) + 2;
    return results.map((r) => {
        const failed = r.checks.filter((l) => l.status === "fail");
        const passed = r.checks.filter((l) => l.status === "pass").length;
        const what = failed.length === 0 ? `${passed}/${r.checks.length} checks passed` : `failed: ${failed.map((l) => `${l.check} (${l.measured}; expected ${l.expected})`).join("; ")}`;
        return `${r.ok ? "PASS" : "FAIL"}  ${r.student.padEnd(width)}${r.stack.padEnd(stackWidth)}${r.namespace.padEnd(nsWidth)}${what}`;
    });
}

/** Destroys every selected lab and removes its state; the cluster and the other labs stay as they are. */
export async function classDown(file: string, options: ClassOptions = {}): Promise<{ student: string; seconds: number }[]> {
    const c = readClassFile(file);
    const stateRoot = options.stateRoot ?? projectStateDir;
    const log = options.log ?? ((l: string) => err(`${l}\n`));
    const done: { student: string; seconds: number }[] = [];
    for (const lab of selected(c, options.only)) {
        const dir = classDir(stateRoot, c, lab.student);
        if (!fs.existsSync(path.join(dir, "state"))) {
            log(`${lab.student}: no lab to destroy`);
            continue;
        }
        const s = await openStudent(c, lab, stateRoot);
        const t0 = Date.now();
        await s.stack.destroy({ onOutput: engineOutput(`  [${lab.student}] `), color: "never" });
        fs.rmSync(dir, { recursive: true, force: true });
        const seconds = Math.round((Date.now() - t0) / 100) / 10;
        log(`${lab.student}: destroyed in ${seconds} s`);
        done.push({ student: lab.student, seconds });
    }
    // The shared part goes with the whole class, never with one student's lab.
    const sharedDir = classDir(stateRoot, c, ".shared");
    if (options.only === undefined && fs.existsSync(path.join(sharedDir, "state"))) {
        const t0 = Date.now();
        await (await openShared(c, stateRoot, sharedPartArgs(c) ?? { namespace: sharedNamespace(c) })).destroy({ onOutput: engineOutput("  [shared] "), color: "never" });
        fs.rmSync(sharedDir, { recursive: true, force: true });
        log(`shared: destroyed in ${Math.round((Date.now() - t0) / 100) / 10} s`);
    }
    return done;
}

const onlyOption = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

export function classCommand(): Command {
    const cmd = new Command("class").description("a class on one shared cluster: a lab per student from a class file (docs/class.md)");
    cmd.command("up <class.yaml>")
        .description("bring every student's lab up (or update it) on the class's cluster; writes each student's kubeconfig")
        .option("--only <students>", "these students only (comma-separated)", onlyOption)
        .action(async (file: string, opts: { only?: string[] }) => {
            for (const u of await classUp(file, opts)) {
                process.stdout.write(`${u.student}\t${u.namespace}\t${u.entryUrl}${u.kubeconfigFile !== undefined ? `\t${u.kubeconfigFile}` : ""}\n`);
            }
        });
    cmd.command("check <class.yaml>")
        .description("lab check on every student's lab: one line per student (--json: every check)")
        .option("--step <n>", "the lesson step every lab must be at", number("step", 1, 20))
        .option("--requests <n>", "requests sent to each lab's entry for its version mix", number("requests", 10, 20000))
        .option("--only <students>", "these students only (comma-separated)", onlyOption)
        .option("--json", "print every student's checks as JSON on stdout")
        .addHelpText("after", `\nExit codes: ${exitCodes.ok} every lab passed, ${exitCodes.failed} a lab failed a check, ${exitCodes.usage} bad usage or class file.`)
        .action(async (file: string, opts: { step?: number; requests?: number; only?: string[]; json?: boolean }) => {
            const results = await classCheck(file, opts);
            process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : `${classCheckLines(results).join("\n")}\n`);
            process.exitCode = results.every((r) => r.ok) ? exitCodes.ok : exitCodes.failed;
        });
    cmd.command("down <class.yaml>")
        .description("destroy every student's lab (or --only some) and its state; the cluster stays")
        .option("--only <students>", "these students only (comma-separated)", onlyOption)
        .action(async (file: string, opts: { only?: string[] }) => {
            await classDown(file, opts);
        });
    return cmd;
}
