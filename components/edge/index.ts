export * from "./haproxyConfig";
export * from "./nginxConfig";
export * from "./edgeProxy";
export * from "./swarmEdge";
