// The plan floor: what a stack's strategy means (releases, replica counts, routing, shares, the CLI's
// steps), derived once from the config. Pure: no resources, no engine. Everything else stands on it.
export * from "../vocabulary";
export * from "./routing";
export * from "./releases";
export * from "./shares";
export * from "./labPlan";
export * from "./summary";
export * from "./steps";
