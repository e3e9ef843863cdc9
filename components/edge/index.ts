export * from "./haproxyConfig";
export * from "./nginxConfig";
