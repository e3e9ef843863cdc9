// The security settings every pod and container the lab writes shares, in one place: the policy pack
// (policy/rules.ts) checks the same. A container that needs more (the cAdvisor that reads the host)
// says so beside it.

/** A container that cannot gain privileges, write to its image or keep any Linux capability. */
export const hardenedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

/** A pod whose containers run as this user (and group, and volume group), never root, with the runtime's seccomp profile. */
export function hardenedPod(user: number, group?: number, fsGroup?: number) {
    return {
        runAsNonRoot: true,
        runAsUser: user,
        ...(group !== undefined ? { runAsGroup: group } : {}),
        ...(fsGroup !== undefined ? { fsGroup } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}
