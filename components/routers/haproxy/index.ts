import { SwarmRouter, SwarmRouterContext } from "../router";
import { statsUrl, swarmEdge, tasksOf } from "../swarmEdge";
import { abRules } from "../../plan";
import { haproxyDeclaration } from "./declaration";
import { edgeApplyInput, renderHaproxyConfig, routingStateFor } from "./haproxyConfig";

// HAProxy at the Swarm edge. Its configuration fixes the routing's shape; the values a lesson changes
// (the candidate's percent, the A/B header value) go through its runtime API, so a change touches no process.

export const haproxyPaths = { config: "/usr/local/etc/haproxy/haproxy.cfg", socket: "/run/haproxy/admin.sock", stateDir: "/var/lib/haproxy/state" };

/** What the HAProxy edge starts with (haproxy.cfg) and what edge-apply gets (the map files). */
export function haproxyEdgeFiles(ctx: Pick<SwarmRouterContext, "plan" | "backends">): { bootstrap: { path: string; content: string }; applyInput: string; stateDir: string } {
    const { plan, backends } = ctx;
    const { routing } = plan;
    if (routing.kind === "mirror") {
        throw new Error('routing "mirror" runs behind the NGINX edge, not HAProxy');
    }
    const rules = routing.kind === "match" ? abRules(routing.matches) : undefined;
    const match = rules === undefined ? undefined : { header: rules.header?.name, cookie: rules.cookie };
    return {
        bootstrap: {
            path: haproxyPaths.config,
            content: renderHaproxyConfig({
                routing: routing.kind,
                stable: tasksOf(backends[0]),
                candidate: backends.length > 1 ? tasksOf(backends[1]) : undefined,
                match,
                sticky: routing.kind === "split" && routing.sticky === true,
                bind: "*:80",
                statsBind: "*:8404",
                socketPath: haproxyPaths.socket,
                stateDir: haproxyPaths.stateDir,
            }),
        },
        applyInput: edgeApplyInput(routingStateFor(routing)),
        stateDir: haproxyPaths.stateDir,
    };
}

export const haproxyRouter: SwarmRouter = {
    declaration: haproxyDeclaration,
    edge: (settings) => ({ kind: "haproxy", statsUrl: statsUrl(settings, "stats") }),
    route: (ctx) => swarmEdge(ctx, "haproxy", haproxyEdgeFiles(ctx)),
};
