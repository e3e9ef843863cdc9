// `npm test`'s first step: is everything the tests need here? Stops before the slow part, saying what is
// missing and the command that installs it, rather than failing 20 tests with "null" a few minutes in.
import { installHint, requiredPrograms, findProgram } from "./programs";

const [major, minor] = process.versions.node.split(".").map(Number);
const problems: string[] = [];
if (major < 20 || (major === 20 && minor < 19)) {
    problems.push(`Node.js ${process.versions.node}: the lab needs 22 or newer (20.19 still works): https://nodejs.org/en/download, or: npm install -g node@22`);
}
const missing = requiredPrograms.filter((p) => findProgram(p.name) === undefined);
if (missing.length > 0) {
    problems.push(`the real-component tests start ${missing.map((p) => p.name).join(", ")}, not found on PATH or in /usr/local/sbin, /usr/sbin, /sbin. Install:\n${installHint(missing)}`);
}
if (problems.length > 0) {
    process.stderr.write(`npm test: not started, ${problems.length === 1 ? "one thing is" : "some things are"} missing:\n${problems.map((p) => `- ${p}`).join("\n")}\n`);
    process.exit(1);
}
process.stderr.write(`npm test: Node.js ${process.versions.node}; ${requiredPrograms.map((p) => p.name).join(", ")} found\n`);
