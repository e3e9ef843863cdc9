// Every router of the lab, one folder each (declaration.ts says what it can do, index.ts renders the
// plan): "canary, native" is routers/native, "canary with Istio" routers/istio, "canary on Swarm"
// routers/haproxy.
import { TrafficProvider } from "../plan";
import { haproxyRouter } from "./haproxy";
import { istioRouter } from "./istio";
import { linkerdRouter } from "./linkerd";
import { nativeRouter } from "./native";
import { nginxRouter } from "./nginx";
import { nginxShadowRouter } from "./nginxShadow";
import { KubernetesRouter, SwarmRouter } from "./router";
import { traefikRouter } from "./traefik";

export * from "./router";
export * from "./declarationRegistry";

const kubernetesRouters: readonly KubernetesRouter[] = [nativeRouter, traefikRouter, nginxRouter, linkerdRouter, istioRouter];
const swarmRouters: readonly SwarmRouter[] = [haproxyRouter, nginxShadowRouter];

function find<R extends { declaration: { name: TrafficProvider } }>(routers: readonly R[], name: TrafficProvider, engine: string): R {
    const r = routers.find((x) => x.declaration.name === name);
    if (r === undefined) {
        // Config validation has refused this already; this guards a declaration without a router.
        throw new Error(`traffic: got "${name}"; allowed on ${engine}: ${routers.map((x) => x.declaration.name).join(", ")}`);
    }
    return r;
}

/** The router a Kubernetes stack (kind or an existing cluster) routes with. */
export function kubernetesRouterFor(name: TrafficProvider): KubernetesRouter {
    return find(kubernetesRouters, name, "Kubernetes");
}

/** The router at a Swarm stack's edge. */
export function swarmRouterFor(name: TrafficProvider): SwarmRouter {
    return find(swarmRouters, name, "Swarm");
}
