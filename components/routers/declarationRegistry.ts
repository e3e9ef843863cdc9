// Every router's declaration, pure data: the config's capability check reads this list, so what a router
// says it can do is the only table there is.
import { Platform } from "../vocabulary";
import { Engine, RouterDeclaration } from "./declaration";
import { haproxyDeclaration } from "./haproxy/declaration";
import { istioDeclaration } from "./istio/declaration";
import { linkerdDeclaration } from "./linkerd/declaration";
import { nativeDeclaration } from "./native/declaration";
import { nginxDeclaration } from "./nginx/declaration";
import { nginxShadowDeclaration } from "./nginxShadow/declaration";
import { traefikDeclaration } from "./traefik/declaration";

export type { Engine, RouterDeclaration } from "./declaration";

export const routerDeclarations: readonly RouterDeclaration[] = [
    nativeDeclaration,
    traefikDeclaration,
    nginxDeclaration,
    linkerdDeclaration,
    istioDeclaration,
    haproxyDeclaration,
    nginxShadowDeclaration,
];

export function engineOf(platform: Platform): Engine {
    return platform === "swarm" ? "swarm" : "kubernetes";
}
