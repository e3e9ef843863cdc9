// A docker.Container's memory and CPU limits. A field the docker provider reads back otherwise than it
// was written shows as a change on every `pulumi up` (and `cpus` replaces the container), so they are
// written as it reads them back.

export interface ContainerLimitsArgs {
    /** Hard memory limit, MB; swap is held to it (no swap). */
    memoryMb: number;
    /** The soft limit Docker holds the container to when the host runs short of memory, MB. */
    reservationMb: number;
    /** CPUs with one decimal, "0.1" to "9.9": the provider prints them back so ("1.0", never "1"). */
    cpus: string;
}

/** The resource fields of a docker.Container. */
export function containerLimits(args: ContainerLimitsArgs): { memory: number; memorySwap: number; memoryReservation: number; cpus: string } {
    if (!/^\d\.\d$/.test(args.cpus) || args.cpus === "0.0") {
        throw new Error(`cpus: got "${args.cpus}"; allowed: one decimal from "0.1" to "9.9" (e.g. "1.0", which the provider reads back as written)`);
    }
    if (!(args.reservationMb > 0 && args.reservationMb < args.memoryMb)) {
        throw new Error(`reservationMb: got ${args.reservationMb}; allowed: above 0 and below memoryMb (${args.memoryMb})`);
    }
    // Docker doubles an unset swap limit (memory, and as much swap again); the provider reads that back
    // as a memorySwap the program never set and plans an update on every up.
    return { memory: args.memoryMb, memorySwap: args.memoryMb, memoryReservation: args.reservationMb, cpus: args.cpus };
}
