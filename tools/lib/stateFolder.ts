// The state folder must be writable before any command that changes a stack starts: the engine writes
// its lock, a checkpoint and a backup there, and on a read-only folder it fails part way with an error
// about a lock or a temporary file. Said up front instead, naming the folder and what to do; nothing is
// changed (the engine is not started).
import * as fs from "fs";

export class StateFolderError extends Error {
    constructor(
        readonly dir: string,
        readonly code: string,
    ) {
        super(
            `the state folder ${dir} is not writable (${code}): nothing was changed. Make it writable ` +
                `(chmod -R u+w ${dir}, or remount it read-write), or point the lab at another state folder (PULUMI_BACKEND_URL=file://<folder>)`,
        );
        this.name = "StateFolderError";
    }
}

/** Throws StateFolderError when `dir` (made if missing) cannot be written: read-only file system or permissions. */
export function assertStateWritable(dir: string): void {
    try {
        fs.mkdirSync(dir, { recursive: true });
        fs.accessSync(dir, fs.constants.W_OK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "error";
        if (code === "EROFS" || code === "EACCES" || code === "EPERM") throw new StateFolderError(dir, code);
        throw e;
    }
}
