export * from "./capabilities";
export * from "./schema";
export * from "./parse";
