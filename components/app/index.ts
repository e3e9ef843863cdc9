export * from "./appImages";
