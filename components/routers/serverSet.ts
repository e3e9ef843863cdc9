// Where a Swarm edge's backend servers come from: shared by the HAProxy and NGINX edges.

/** Where a backend's servers come from. */
export type ServerSet =
    /** Swarm tasks found through Docker's DNS (`tasks.<service>`), up to `slots` of them. */
    | { kind: "dns"; hostname: string; port: number; slots: number }
    /** Fixed addresses, for running HAProxy on a workstation in front of local processes. */
    | { kind: "static"; addresses: string[] };
