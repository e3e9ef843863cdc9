// rollout-lab's own Node.js language host for the Pulumi CLI: what `pulumi up`, `pulumi preview` and
// `pulumi destroy` start to run index.ts. Pulumi's own host (pulumi-language-nodejs) is a Go module the
// module proxy refuses, so on a machine that has only the package registries `pulumi up` could not run
// the program at all. This host is written here: a gRPC server for the CLI's LanguageRuntime service
// whose Run starts the program with the project's own @pulumi/pulumi run harness (cmd/run, from npm) —
// the same harness, flags and environment contract the SDK documents (cmd/run's usage, runtime/settings).
// It does what this project needs and says so for the rest: no dependency installation, no program
// generation, no plugin list (the CLI finds plugins on PATH or in ~/.pulumi/plugins as they are used).
//
// Started by scripts/toolchain.sh's `pulumi-language-nodejs` launcher as
//   pulumi-language-nodejs [-<option>=<value> ...] -root=<project dir> <engine address>
// it prints its port on the first line of stdout, as every Pulumi plugin does.
import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

// The SDK's generated protocol modules (plain JavaScript, shipped in @pulumi/pulumi's package).
/* eslint-disable @typescript-eslint/no-require-imports */
const languageProto = require("@pulumi/pulumi/proto/language_pb");
const languageGrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const pluginProto = require("@pulumi/pulumi/proto/plugin_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The exit code with which cmd/run says the program failed and has already told the user why. */
export const BAIL_EXIT_CODE = 32;

export interface HostArgs {
    engineAddress: string;
    root: string;
    options: Record<string, string>;
}

/** `-typescript=true -tsconfig=x -root=/p 127.0.0.1:1234` → the engine address, the root and the options. */
export function parseHostArgs(argv: readonly string[]): HostArgs {
    const options: Record<string, string> = {};
    const positional: string[] = [];
    for (const arg of argv) {
        const option = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
        if (option) options[option[1]] = option[2] ?? "true";
        else positional.push(arg);
    }
    const engineAddress = positional[positional.length - 1];
    if (!engineAddress) throw new Error("usage: pulumi-language-nodejs [-<option>=<value> ...] -root=<project dir> <engine address>");
    const { root = process.cwd(), ...rest } = options;
    return { engineAddress, root, options: rest };
}

export interface RunPlan {
    /** The node binary, its arguments, the folder it runs in and the environment it adds. */
    command: string;
    args: string[];
    cwd: string;
    env: Record<string, string>;
}

export interface RunInputs {
    engineAddress: string;
    monitorAddress: string;
    project: string;
    stack: string;
    organization: string;
    pwd: string;
    rootDirectory: string;
    program: string;
    programArgs: string[];
    dryRun: boolean;
    parallel: number;
    config: Record<string, string>;
    configSecretKeys: string[];
    /** The runtime options from Pulumi.yaml (runtime.options): typescript, tsconfig, nodeargs. */
    options: Record<string, unknown>;
    /** Where @pulumi/pulumi's cmd/run is; by default the program's own copy. */
    runHarness?: string;
}

/** How cmd/run is started for one Run: its flags and environment, as its usage and runtime/settings read them. */
export function runPlan(inputs: RunInputs): RunPlan {
    const harness = inputs.runHarness ?? require.resolve("@pulumi/pulumi/cmd/run", { paths: [inputs.pwd, inputs.rootDirectory] });
    const flags = [
        `--monitor=${inputs.monitorAddress}`,
        `--engine=${inputs.engineAddress}`,
        `--project=${inputs.project}`,
        `--stack=${inputs.stack}`,
        `--pwd=${inputs.pwd}`,
        `--root-directory=${inputs.rootDirectory}`,
        ...(inputs.organization ? [`--organization=${inputs.organization}`] : []),
        ...(inputs.parallel > 0 ? [`--parallel=${inputs.parallel}`] : []),
        ...(inputs.dryRun ? ["--dry-run"] : []),
    ];
    const nodeArgs = typeof inputs.options.nodeargs === "string" ? inputs.options.nodeargs.split(/\s+/).filter(Boolean) : [];
    const typescript = inputs.options.typescript === undefined || String(inputs.options.typescript) === "true";
    const env: Record<string, string> = {
        PULUMI_CONFIG: JSON.stringify(inputs.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(inputs.configSecretKeys),
        PULUMI_NODEJS_TYPESCRIPT: String(typescript),
    };
    if (typeof inputs.options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = path.resolve(inputs.rootDirectory, inputs.options.tsconfig);
    return {
        command: process.execPath,
        args: [...nodeArgs, harness, ...flags, inputs.program || ".", ...inputs.programArgs],
        cwd: inputs.pwd,
        env,
    };
}

export interface PluginInputs {
    /** The plugin's folder (a policy pack's holds PulumiPolicy.yaml) and what the CLI passes it. */
    directory: string;
    kind: string;
    args: string[];
    /** The CLI's environment for the plugin, as KEY=value lines. */
    env: string[];
    /** Where @pulumi/pulumi's cmd folder is; by default the plugin's own copy. */
    cmdDir?: string;
}

/**
 * How a plugin written in Node.js is started (RunPlugin): a policy pack by @pulumi/pulumi's
 * cmd/run-policy-pack (`<engine address> <folder>`), any other plugin by cmd/run-plugin (`<folder> args`).
 */
export function pluginPlan(inputs: PluginInputs): RunPlan {
    const policy = inputs.kind === "analyzer" || fs.existsSync(path.join(inputs.directory, "PulumiPolicy.yaml"));
    const cmdDir = inputs.cmdDir ?? path.dirname(path.dirname(require.resolve("@pulumi/pulumi/cmd/run", { paths: [inputs.directory] })));
    const env: Record<string, string> = {};
    for (const line of inputs.env) {
        const at = line.indexOf("=");
        if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
    }
    return {
        command: process.execPath,
        args: policy ? [path.join(cmdDir, "run-policy-pack"), ...inputs.args, inputs.directory] : [path.join(cmdDir, "run-plugin"), inputs.directory, ...inputs.args],
        cwd: inputs.directory,
        env,
    };
}

/** What the CLI is told when the program ends: nothing, a message, or bail (the program already said why). */
export function runOutcome(code: number | null, signal: string | null): { error: string; bail: boolean } {
    if (code === 0) return { error: "", bail: false };
    if (code === BAIL_EXIT_CODE) return { error: "", bail: true };
    if (signal) return { error: `the program was stopped by ${signal}`, bail: false };
    return { error: `the program exited with code ${code}`, bail: false };
}

type Call<T> = grpc.ServerUnaryCall<T, unknown>;
type Callback = grpc.sendUnaryData<unknown>;

function runInputsOf(request: any, engineAddress: string): RunInputs {
    const info = request.getInfo();
    const options = info?.getOptions()?.toJavaScript() ?? {};
    const config: Record<string, string> = {};
    request.getConfigMap().forEach((value: string, key: string) => { config[key] = value; });
    const pwd = request.getPwd() || info?.getProgramDirectory() || process.cwd();
    return {
        engineAddress,
        monitorAddress: request.getMonitorAddress(),
        project: request.getProject(),
        stack: request.getStack(),
        organization: request.getOrganization(),
        pwd,
        rootDirectory: info?.getRootDirectory() || pwd,
        program: request.getProgram() || info?.getEntryPoint() || ".",
        programArgs: request.getArgsList(),
        dryRun: request.getDryrun(),
        parallel: request.getParallel(),
        config,
        configSecretKeys: request.getConfigsecretkeysList(),
        options,
    };
}

function unimplemented(what: string) {
    return (_call: unknown, callback: Callback) =>
        callback({ code: grpc.status.UNIMPLEMENTED, details: `rollout-lab's language host does not ${what}` }, null);
}

export function languageRuntime(args: HostArgs, version: string): grpc.UntypedServiceImplementation {
    return {
        handshake: (_call: Call<unknown>, callback: Callback) => callback(null, new languageProto.LanguageHandshakeResponse()),
        getPluginInfo: (_call: Call<unknown>, callback: Callback) => callback(null, new pluginProto.PluginInfo().setVersion(version)),
        // No list up front: the engine starts each provider the program asks for, from PATH or ~/.pulumi/plugins.
        getRequiredPlugins: (_call: Call<unknown>, callback: Callback) => callback(null, new languageProto.GetRequiredPluginsResponse()),
        getRequiredPackages: (_call: Call<unknown>, callback: Callback) => callback(null, new languageProto.GetRequiredPackagesResponse()),
        getProgramDependencies: (_call: Call<unknown>, callback: Callback) => callback(null, new languageProto.GetProgramDependenciesResponse()),
        about: (_call: Call<unknown>, callback: Callback) =>
            callback(null, new languageProto.AboutResponse().setExecutable(process.execPath).setVersion(process.version)),
        run: (call: Call<any>, callback: Callback) => {
            let plan: RunPlan;
            try {
                plan = runPlan(runInputsOf(call.request, args.engineAddress));
            } catch (err) {
                callback(null, new languageProto.RunResponse().setError(`rollout-lab's language host: ${(err as Error).message}`));
                return;
            }
            const child = spawn(plan.command, plan.args, { cwd: plan.cwd, env: { ...process.env, ...plan.env }, stdio: ["ignore", "inherit", "inherit"] });
            child.on("error", (err) => callback(null, new languageProto.RunResponse().setError(`could not start node: ${err.message}`)));
            child.on("exit", (code, signal) => {
                const outcome = runOutcome(code, signal);
                callback(null, new languageProto.RunResponse().setError(outcome.error).setBail(outcome.bail));
            });
        },
        cancel: (_call: Call<unknown>, callback: Callback) => callback(null, new Empty()),
        installDependencies: unimplemented("install dependencies (run npm ci)"),
        runtimeOptionsPrompts: unimplemented("prompt for runtime options"),
        template: unimplemented("render templates"),
        runPlugin: (call: grpc.ServerWritableStream<any, unknown>) => {
            const request = call.request;
            const info = request.getInfo();
            const answer = () => new languageProto.RunPluginResponse();
            let plan: RunPlan;
            try {
                plan = pluginPlan({ directory: info?.getProgramDirectory() || request.getPwd() || process.cwd(), kind: request.getKind(), args: request.getArgsList(), env: request.getEnvList() });
            } catch (err) {
                call.write(answer().setStderr(Buffer.from(`rollout-lab's language host: ${(err as Error).message}\n`)));
                call.write(answer().setExitcode(1));
                call.end();
                return;
            }
            const child = spawn(plan.command, plan.args, { cwd: plan.cwd, env: { ...process.env, ...plan.env }, stdio: ["ignore", "pipe", "pipe"] });
            child.stdout.on("data", (chunk: Buffer) => call.write(answer().setStdout(chunk)));
            child.stderr.on("data", (chunk: Buffer) => call.write(answer().setStderr(chunk)));
            child.on("error", (err) => call.write(answer().setStderr(Buffer.from(`could not start node: ${err.message}\n`))));
            child.on("close", (code) => {
                call.write(answer().setExitcode(code ?? 1));
                call.end();
            });
        },
        generateProgram: unimplemented("generate programs"),
        generateProject: unimplemented("generate projects"),
        generatePackage: unimplemented("generate packages"),
        pack: unimplemented("pack SDKs"),
        link: unimplemented("link packages"),
    };
}

/** Serves until the CLI closes it; prints the port first, as the plugin protocol asks. */
export async function serve(argv: readonly string[]): Promise<grpc.Server> {
    const args = parseHostArgs(argv);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version: string = require("@pulumi/pulumi/package.json").version;
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(languageGrpc.LanguageRuntimeService, languageRuntime(args, version));
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
    process.stdout.write(`${port}\n`);
    return server;
}

if (require.main === module) {
    serve(process.argv.slice(2)).catch((err) => {
        process.stderr.write(`pulumi-language-nodejs (rollout-lab): ${(err as Error).message}\n`);
        process.exit(1);
    });
}
