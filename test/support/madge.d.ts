// The part of madge's API the codebase test uses (madge ships no types; @types/madge describes version 5).
declare module "madge" {
    interface MadgeResult {
        /** Each file with the files it imports, relative to baseDir. */
        obj(): Record<string, string[]>;
    }
    interface MadgeConfig {
        baseDir?: string;
        fileExtensions?: string[];
        tsConfig?: string;
        detectiveOptions?: { ts?: { skipTypeImports?: boolean } };
    }
    export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
