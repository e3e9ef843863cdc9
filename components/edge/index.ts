export * from "./haproxyConfig";
