import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

// The docker provider's convergence check counts running tasks, old or new: after a rolling update of a
// Service it returns while Swarm is still replacing tasks one by one (seen on the first real run: v1
// answered for 10 s after `pulumi up` had returned). This command waits for Swarm's own verdict instead,
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

/**
 * Runs the wait after the Service is created and again whenever what its tasks run changes (`spec`:
 * the image, environment and replica count), so an unchanged stack plans nothing here.
 */
export function waitForRollout(name: string, service: docker.Service, serviceName: string, spec: pulumi.Input<unknown>[], parent: pulumi.Resource): command.local.Command {
    return new command.local.Command(
        name,
        { create: rolloutWaitScript(serviceName), triggers: spec },
        { parent, dependsOn: [service] },
    );
}
