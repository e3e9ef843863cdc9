import { Release } from "./releases";
import { Routing } from "./routing";
import { SplitMode } from "../vocabulary";

/**
 * Percent of ordinary requests (no A/B rule matched) a release answers once the routing is in effect:
 * the share rule, asked by every router's summary, the CLI and the tests' readers alike.
 * - single: the one release, 100;
 * - switch: the active release 100, the idle one 0;
 * - split by weight: the candidate its weight, stable the rest;
 * - split by replicas: each release its share of the ready replicas, to one decimal;
 * - match, mirror: stable 100 (the candidate gets matched requests or copies only).
 */
export function expectedShare(routing: Routing, splitsBy: SplitMode, releases: readonly Release[], release: Release): number {
    switch (routing.kind) {
        case "single":
            return 100;
        case "switch":
            return release.role === routing.active ? 100 : 0;
        case "split": {
            if (splitsBy === "replicas") {
                const total = releases.reduce((n, r) => n + r.replicas, 0);
                return total === 0 ? 0 : Math.round((1000 * release.replicas) / total) / 10;
            }
            return release.role === "candidate" ? routing.candidateWeight : 100 - routing.candidateWeight;
        }
        default:
            return release.role === "stable" ? 100 : 0;
    }
}
