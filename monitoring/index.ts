export * from "./queries";
export * from "./prometheusConfig";
export * from "./alertRules";
export * from "./dashboards";
