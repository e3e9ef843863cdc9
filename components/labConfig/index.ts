// The stack config as the lab reads it: the schema's checks (config/) with the routers' rules
// (routers/configRules.ts), one floor above both so that the config knows no router and the routers read
// the config's types. The program and the `lab` command parse here.
import { LabConfig, parseStackConfig } from "../config";
import { routerRules } from "../routers/configRules";

export * from "../config";
export * from "../routers/capabilities";

/** Validates a stack's raw config against the schema and its router's declaration; throws one LabConfigError listing every problem. */
export function parseLabConfig(raw: Record<string, unknown>): LabConfig {
    return parseStackConfig(raw, routerRules);
}
