// `pulumi up` through the Automation API without the three CLI runs Stack.up adds after the update:
// Stack.up asks the CLI for the stack's outputs twice (`pulumi stack output --json`, then again with
// --show-secrets) and for the update's summary once (`pulumi stack history --page-size 1`), each a new
// CLI process that loads the stack's state: 0.5-0.7 s of a 2 s no-change `lab up` (measured with
// `lab up --timings`, docs/lab-command.md). The engine's own events already carry both: the Stack
// resource's outputs (secrets masked) and the summary's resource changes. So for the length of one
// update the stack answers those two questions from its events. Where an event is missing (an engine
// that sends none), the CLI is asked as before.
//
// Secret outputs come back as { value: undefined, secret: true }: a caller that needs a secret's value
// (lab class up writes the student's kubeconfig) uses Stack.up.
import * as automation from "@pulumi/pulumi/automation";
import { checkpointFile, migrateCrdConfigFiles } from "./crdMigration";
import { dropPrefetchedKubeconfig, prefetchKindKubeconfig } from "../../components/local";
import { readPriorState } from "../../program/priorState";
import { settledKindCluster } from "../../program/lab";

export interface QuickUpResult {
    outputs: automation.OutputMap;
    summary: { result: string; resourceChanges: Record<string, number> };
    /** Whether the outputs and the summary came from the events (no CLI run after the update). */
    fromEvents: boolean;
}

const STACK_TYPE = "pulumi:pulumi:Stack";
const MASKED = "[secret]";
/** The key and value Pulumi's property values mark a secret with (its "special signature"). */
const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

/** A secret as an engine event shows it: "[secret]", or the secret's envelope with its ciphertext masked. */
function isMaskedSecret(v: unknown): boolean {
    return v === MASKED || (typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG[0]] === SECRET_SIG[1]);
}

/** The Stack resource's outputs as an event shows them: a secret's value is masked. */
export function outputsFromEvent(outputs: Record<string, unknown>): automation.OutputMap {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, isMaskedSecret(v) ? { value: undefined, secret: true } : { value: v, secret: false }]));
}

/**
 * The kind cluster the stack's last state names: its kubeconfig asked of kind while the engine starts, for
 * the program to take where it keeps that cluster (components/platform/kindCluster.ts, knownKubeconfig).
 */
async function prefetchClusterKubeconfig(stack: automation.Stack): Promise<void> {
    const prior = settledKindCluster(readPriorState(await checkpointFile(stack).catch(() => undefined)))?.inputs;
    if (typeof prior?.clusterName === "string") {
        prefetchKindKubeconfig(prior.clusterName, (prior.env ?? {}) as Record<string, string>);
    }
}

export async function quickUp(stack: automation.Stack, opts: automation.UpOptions = {}): Promise<QuickUpResult> {
    // A stack from before the CRD files were one resource each: out of its state first (crdMigration.ts).
    await migrateCrdConfigFiles(stack, (line) => process.stderr.write(`${line}\n`));
    await prefetchClusterKubeconfig(stack);
    let outputs: automation.OutputMap | undefined;
    let changes: Record<string, number> | undefined;
    const onEvent = (event: automation.EngineEvent) => {
        opts.onEvent?.(event);
        const done = event.resOutputsEvent?.metadata;
        if (done?.type === STACK_TYPE) outputs = outputsFromEvent((done.new?.outputs ?? {}) as Record<string, unknown>);
        if (event.summaryEvent) changes = event.summaryEvent.resourceChanges as Record<string, number>;
    };
    // The two questions Stack.up asks once the update is over, answered from the events of this update
    // (own properties on these two objects, removed afterwards: the class's methods stay untouched).
    const workspace = stack.workspace as automation.LocalWorkspace & { stackOutputs: automation.LocalWorkspace["stackOutputs"] };
    const askedStack = stack as automation.Stack & { info: automation.Stack["info"] };
    const ownOutputs = Object.getPrototypeOf(workspace).stackOutputs as automation.LocalWorkspace["stackOutputs"];
    const ownInfo = Object.getPrototypeOf(askedStack).info as automation.Stack["info"];
    workspace.stackOutputs = async (name: string) => outputs ?? ownOutputs.call(workspace, name);
    askedStack.info = async (showSecrets?: boolean) =>
        changes !== undefined ? ({ kind: "update", result: "succeeded", resourceChanges: changes } as unknown as automation.UpdateSummary) : ownInfo.call(askedStack, showSecrets);
    try {
        const result = await stack.up({ ...opts, onEvent });
        return {
            outputs: result.outputs,
            summary: { result: result.summary?.result ?? "succeeded", resourceChanges: (result.summary?.resourceChanges ?? {}) as Record<string, number> },
            fromEvents: outputs !== undefined && changes !== undefined,
        };
    } finally {
        dropPrefetchedKubeconfig();
        delete (workspace as Partial<typeof workspace>).stackOutputs;
        delete (askedStack as Partial<typeof askedStack>).info;
    }
}
