export * from "./kindCluster";
export * from "./kubernetesPlatform";
export * from "./swarmPlatform";
