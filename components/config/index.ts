export * from "./schema";
export * from "./parse";
export { CrossProblem, fieldOf } from "./crossChecks";
export { platforms, strategies, trafficProviders } from "../vocabulary";
export type { Platform, Strategy, TrafficProvider } from "../vocabulary";
