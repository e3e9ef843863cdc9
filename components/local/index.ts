export * from "./kindResources";
export * from "./localImage";
export * from "./localProcess";
export * from "./swarmResources";
export * from "./swarmRolloutScript";
export * from "./pause";
export * from "./serviceSwitch";
