export * from "./kindCluster";
export * from "./kubernetesPlatform";
