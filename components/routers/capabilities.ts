// Which routers can run which strategies on which platform, derived from what each router declares
// (components/routers/*/declaration.ts). Config validation asks these (configRules.ts), so an impossible
// combination is refused before any resource is registered.
import { Platform, Strategy, TrafficProvider, routingKindOf } from "../vocabulary";
import { RouterDeclaration, engineOf, routerDeclarations } from "./declarationRegistry";

/** The router a platform's stack gets with this `traffic`, if the platform has one by that name. */
export function declarationOf(platform: Platform, provider: TrafficProvider): RouterDeclaration | undefined {
    return routerDeclarations.find((d) => d.name === provider && d.engine === engineOf(platform));
}

export function providersOn(platform: Platform): TrafficProvider[] {
    return routerDeclarations.filter((d) => d.engine === engineOf(platform)).map((d) => d.name);
}

export function canRun(platform: Platform, provider: TrafficProvider, strategy: Strategy): boolean {
    return declarationOf(platform, provider)?.supports.includes(routingKindOf[strategy]) ?? false;
}

export function providersFor(strategy: Strategy, platform: Platform): TrafficProvider[] {
    return providersOn(platform).filter((p) => canRun(platform, p, strategy));
}

/** The provider a stack gets when it names none. */
export function defaultProvider(platform: Platform, strategy: Strategy): TrafficProvider {
    const d = routerDeclarations.find((r) => r.engine === engineOf(platform) && r.defaultFor?.includes(routingKindOf[strategy]));
    if (d === undefined) {
        throw new Error(`no router declares itself the default for strategy "${strategy}" on ${platform}`);
    }
    return d.name;
}
