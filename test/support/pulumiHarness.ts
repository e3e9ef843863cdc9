// Runs the real program (index.ts) under Pulumi's mocks with a given stack config and records every
// resource it registers, with its inputs, so tests assert on what a strategy actually asks for.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { readStackConfig, repoRoot, stacksDir, toPulumiConfig } from "../../tools/lib/stackFile";

export interface CreatedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

export interface ProgramRun {
    resources: CreatedResource[];
    outputs: Record<string, unknown>;
}

export { repoRoot, stacksDir };
/** The Gateway API CRDs Traefik stacks install come from GitHub by default; the tests have no network. */
export const gatewayApiCrdsFixture = path.join(repoRoot, "test", "fixtures", "gateway-api-crds.yaml");
const programPath = path.join(repoRoot, "index.ts");

let created: CreatedResource[] = [];

const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
        created.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "command:local:Command") {
            state.stdout = `# kubeconfig from ${args.name}`;
        }
        if (args.type === "random:index/randomPassword:RandomPassword") {
            state.result = "x".repeat(Number(args.inputs.length));
        }
        // What the tls provider computes: PEM text standing in for keys, requests and certificates.
        if (args.type === "tls:index/privateKey:PrivateKey") {
            state.privateKeyPem = `-----BEGIN PRIVATE KEY----- ${args.name}`;
        }
        if (args.type === "tls:index/certRequest:CertRequest") {
            state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST----- ${args.name}`;
        }
        if (args.type === "tls:index/selfSignedCert:SelfSignedCert" || args.type === "tls:index/locallySignedCert:LocallySignedCert") {
            state.certPem = `-----BEGIN CERTIFICATE----- ${args.name}`;
        }
        if (args.type === "docker:index/image:Image") {
            state.repoDigest = `${args.inputs.imageName}@sha256:${"0".repeat(64)}`;
        }
        // What the lab's dynamic resources (components/local) compute.
        if (args.type === "pulumi-nodejs:dynamic/rollout-lab:KindCluster") {
            state.kubeconfig = `# kubeconfig from ${args.name}`;
            state.createdAt = "2026-12-04T00:00:00.000Z";
        }
        if (args.type === "pulumi-nodejs:dynamic/rollout-lab:LocalImage") {
            state.imageId = `sha256:${"0".repeat(64)}`;
        }
        return { id: `${args.name}-id`, state };
    },
    call(args) {
        // What the Kubernetes provider does for yaml.ConfigFile: the file's documents as objects.
        if (args.token === "kubernetes:yaml:decode") {
            return { result: YAML.parseAllDocuments(String(args.inputs.text)).map((d) => d.toJSON()).filter((o) => o !== null) };
        }
        throw new Error(`Mock call not implemented: ${args.token}`);
    },
};

// Mocks from the start, so a test that builds a component directly never reaches for a real engine.
void pulumi.runtime.setMocks(mocks, "rollout-lab", "test", false);

/** The `config:` map of a stack file, as Pulumi hands it to the program (objects as JSON strings). */
export const stackConfig = (stack: string): Record<string, string> => readStackConfig(stack, stacksDir);
export { toPulumiConfig };

/** Every stack file in stacks/, by stack name. */
export function stackNames(): string[] {
    return fs
        .readdirSync(stacksDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Runs index.ts with this config. Resolves with every registered resource and the stack outputs, or
 * rejects with the program's error; `created` is left holding whatever was registered before it.
 */
export async function runProgram(config: Record<string, string>, stack = "test", preview = false): Promise<ProgramRun> {
    return runUnderMocks(
        () => {
            delete require.cache[require.resolve(programPath)];
            return require(programPath) as Record<string, unknown>;
        },
        config,
        stack,
        preview,
    );
}

/** Runs another program of the project (a function returning its outputs) the same way. */
export async function runUnderMocks(program: () => Record<string, unknown>, config: Record<string, string> = {}, stack = "test", preview = false): Promise<ProgramRun> {
    created = [];
    await pulumi.runtime.setMocks(mocks, "rollout-lab", stack, preview);
    // Unless a test says otherwise, the CRDs come from the local stand-in (the stack files keep the default URL).
    pulumi.runtime.setAllConfig({ "rollout-lab:gatewayApi": JSON.stringify({ crds: gatewayApiCrdsFixture }), ...config });
    let programOutputs: Record<string, unknown>;
    // A program checks for kubectl where the lab waits through it (a blue/green switch): the machine's PATH
    // does not decide a test's outcome. A test of the check sets PATH itself (withoutKubectl).
    const savedPath = process.env.PATH;
    if (!withoutKubectl) process.env.PATH = `${fakeKubectlDir()}${path.delimiter}${savedPath ?? ""}`;
    try {
        programOutputs = program();
    } finally {
        process.env.PATH = savedPath;
        await waitForRegistrations();
    }
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(programOutputs)) {
        outputs[key] = await resolve(value);
    }
    await waitForRegistrations();
    return { resources: [...created], outputs };
}

let fakeKubectl: string | undefined;
let withoutKubectl = false;

/** A folder holding an executable named kubectl that only fails: under mocks nothing runs it. */
function fakeKubectlDir(): string {
    if (fakeKubectl === undefined) {
        fakeKubectl = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-fake-kubectl-"));
        fs.writeFileSync(path.join(fakeKubectl, "kubectl"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    }
    return fakeKubectl;
}

/** Runs `body` with the programs seeing a PATH that holds no kubectl. */
export async function runWithoutKubectl<T>(body: () => Promise<T>): Promise<T> {
    const savedPath = process.env.PATH;
    withoutKubectl = true;
    process.env.PATH = "/nonexistent-rollout-lab-test";
    try {
        return await body();
    } finally {
        withoutKubectl = false;
        process.env.PATH = savedPath;
    }
}

/** Resources registered by the last run, including one that threw. */
export function lastCreated(): CreatedResource[] {
    return [...created];
}

async function waitForRegistrations(): Promise<void> {
    // The SDK's own queue of outstanding resource RPCs; internal, but what `pulumi up` waits on too.
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        return new Promise((r) => (value as pulumi.Output<unknown>).apply((v) => r(v)));
    }
    return value;
}

export function findResources(run: ProgramRun, type: string): CreatedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The one resource of this type and name; fails the test when there is not exactly one. */
export function findResource(run: ProgramRun, type: string, name: string): CreatedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const names = findResources(run, type).map((r) => r.name);
        throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names.join(", ") || "none"})`);
    }
    return found[0];
}
