// The docker provider's convergence check counts running tasks, old or new: after a rolling update of a
// Service it returns while Swarm is still replacing tasks one by one (seen on the first real run: v1
// answered for 10 s after `pulumi up` had returned). The SwarmRollout resource (swarmResources.ts) runs this loop: it waits for Swarm's own verdict,
// so "pulumi up returned" means "every task runs the new spec" for rolling and recreate alike.

/** Seconds to wait for Swarm to finish an update before `pulumi up` fails. */
export const rolloutTimeoutSeconds = 600;

/**
 * A shell loop over `docker service inspect`: done when Swarm's update is `completed` (or there was none,
 * on create) and as many tasks run as are wanted; fails, naming the state and Swarm's message, when the
 * update is paused or rolled back (update failureAction) or the timeout passes.
 */
export function rolloutWaitScript(service: string, timeoutS = rolloutTimeoutSeconds): string {
    const inspect = (format: string) => `docker service inspect --format '${format}' ${service}`;
    return [
        `deadline=$(( $(date +%s) + ${timeoutS} ))`,
        "while :; do",
        `  state=$(${inspect("{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}")})`,
        `  want=$(${inspect("{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{end}}")})`,
        `  running=$(docker service ps --filter desired-state=running --format '{{.CurrentState}}' ${service} | grep -c '^Running' || true)`,
        '  case "$state" in',
        '    ""|completed) if [ -z "$want" ] || [ "$running" -ge "$want" ]; then echo "$state ($running running)"; exit 0; fi ;;',
        `    paused|rollback_paused|rollback_completed) echo "${service}: update $state: $(${inspect("{{.UpdateStatus.Message}}")})" >&2; exit 1 ;;`,
        "  esac",
        `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "${service}: update not done after ${timeoutS} s (state: $state, $running of $want running)" >&2; exit 1; fi`,
        "  sleep 1",
        "done",
    ].join("\n");
}
