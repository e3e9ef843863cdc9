import { SwarmRouter, SwarmRouterContext } from "../router";
import { statsUrl, swarmEdge, tasksOf } from "../swarmEdge";
import { nginxShadowDeclaration } from "./declaration";
import { renderNginxShadowConfig } from "./nginxConfig";

// NGINX at the Swarm edge for shadow releases: stable answers every request, `mirror` copies a sample of
// them to the candidate. A percent change rewrites the file and reloads NGINX, which drops no connection.

export const nginxPaths = { bootstrap: "/etc/nginx-edge/bootstrap.conf", stateDir: "/var/lib/nginx-edge" };

/** What the NGINX edge starts with (copying every request) and what edge-apply gets (the stack's sampling). */
export function nginxShadowEdgeFiles(ctx: Pick<SwarmRouterContext, "plan" | "backends">): { bootstrap: { path: string; content: string }; applyInput: string; stateDir: string } {
    const { routing } = ctx.plan;
    if (routing.kind !== "mirror" || ctx.backends.length < 2) {
        throw new Error(`the NGINX shadow edge needs routing "mirror" and a candidate service; got "${routing.kind}" with ${ctx.backends.length} service(s)`);
    }
    const spec = { stable: tasksOf(ctx.backends[0]), candidate: tasksOf(ctx.backends[1]), listen: "80", statsListen: "8404", runDir: nginxPaths.stateDir };
    return {
        // The container is created with a fixed sampling so that a percent change never replaces it.
        bootstrap: { path: nginxPaths.bootstrap, content: renderNginxShadowConfig({ ...spec, percent: 100 }) },
        applyInput: renderNginxShadowConfig({ ...spec, percent: routing.percent }),
        stateDir: nginxPaths.stateDir,
    };
}

export const nginxShadowRouter: SwarmRouter = {
    declaration: nginxShadowDeclaration,
    edge: (settings) => ({ kind: "nginx", statsUrl: statsUrl(settings, "nginx_status") }),
    route: (ctx) => swarmEdge(ctx, "nginx", nginxShadowEdgeFiles(ctx)),
};
