// The programs the real-component tests start (HAProxy, NGINX, socat, Prometheus, promtool, node-exporter):
// where each is found, and how to install a missing one. Debian puts HAProxy and NGINX in /usr/sbin,
// which a normal user's PATH lacks: the sbin folders are searched too, and added to this process's PATH
// so the edge scripts the tests run find them as well.
import * as fs from "fs";
import * as path from "path";

export interface RequiredProgram {
    name: string;
    /** The Debian/Ubuntu package and the Homebrew formula that install it. */
    debian: string;
    brew: string;
}

export const requiredPrograms: readonly RequiredProgram[] = [
    { name: "haproxy", debian: "haproxy", brew: "haproxy" },
    { name: "nginx", debian: "nginx-light", brew: "nginx" },
    { name: "socat", debian: "socat", brew: "socat" },
    { name: "prometheus", debian: "prometheus", brew: "prometheus" },
    { name: "promtool", debian: "prometheus", brew: "prometheus" },
    { name: "prometheus-node-exporter", debian: "prometheus-node-exporter", brew: "node_exporter" },
];

const sbin = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

/** PATH with the sbin folders after its own entries. */
export function searchPath(pathVar = process.env.PATH ?? ""): string[] {
    const own = pathVar.split(path.delimiter).filter((d) => d !== "");
    return [...own, ...sbin.filter((d) => !own.includes(d))];
}

/** The program's file, or undefined. Homebrew's node-exporter is node_exporter. */
export function findProgram(name: string, dirs: string[] = searchPath()): string | undefined {
    const names = name === "prometheus-node-exporter" ? [name, "node_exporter"] : [name];
    for (const dir of dirs) {
        for (const n of names) {
            const file = path.join(dir, n);
            try {
                fs.accessSync(file, fs.constants.X_OK);
                if (fs.statSync(file).isFile()) {
                    return file;
                }
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

/** What to type to install these programs, on Debian/Ubuntu and on macOS. */
export function installHint(missing: readonly RequiredProgram[]): string {
    const unique = (xs: string[]) => [...new Set(xs)].join(" ");
    const debian = unique(missing.map((p) => p.debian));
    const services = missing.filter((p) => p.debian.startsWith("prometheus")).map((p) => p.debian);
    return [
        `  Debian/Ubuntu: sudo apt-get install -y ${debian}`,
        ...(services.length > 0 ? [`                 sudo systemctl disable --now ${unique(services)}   # the packages start services on :9090/:9100, where the lab publishes its own`] : []),
        `  macOS:         brew install ${unique(missing.map((p) => p.brew))}`,
    ].join("\n");
}

/** The path of a program a test needs; a missing one fails with its name and how to install it. */
export function requireProgram(name: string): string {
    if (name.includes("/")) {
        return name; // a script of the repo, by its path
    }
    const file = findProgram(name);
    if (file === undefined) {
        const known = requiredPrograms.find((p) => p.name === name) ?? { name, debian: name, brew: name };
        throw new Error(`${name} is not installed (searched PATH and ${sbin.join(", ")}); install it:\n${installHint([known])}`);
    }
    return file;
}

// Children (edge-apply.sh calls haproxy, nginx and socat) search the same folders.
process.env.PATH = searchPath().join(path.delimiter);
