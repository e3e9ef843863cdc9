import * as pulumi from "@pulumi/pulumi";
import { LabResource } from "./labResource";
import { reapplyingProvider } from "./localProcess";

// A wait inside an update, for what the engine cannot observe: a proxy that reads objects on a timer (a
// provider's throttle) must have read them before a route names them. It waits when created and when its
// seconds change; an update that changes nothing else does not wait.

export interface PauseInputs {
    seconds: number;
    /** What it waits for, shown in previews. */
    reason: string;
}

const pauseProvider = reapplyingProvider<PauseInputs>(
    ["seconds"],
    () => "pause",
    (inputs) => new Promise<void>((resolve) => setTimeout(resolve, inputs.seconds * 1000)),
);

export class Pause extends LabResource {
    declare public readonly seconds: pulumi.Output<number>;

    constructor(name: string, args: PauseInputs, opts?: pulumi.CustomResourceOptions) {
        super(pauseProvider, "Pause", name, args, opts);
    }
}
