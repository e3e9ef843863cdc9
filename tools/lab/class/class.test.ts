import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../../../test/support/localProcesses";
import { runLab } from "../cli";
import { readClassFile, studentLabs } from "./classFile";
import { classCheck, classCheckLines, classDown } from "./command";

// A class file read and checked, the students' labs it gives, the teacher's one line per student, and
// `lab class` refusing bad files and names with exit code 2 before any lab is touched.

function write(dir: string, text: string): string {
    const file = path.join(dir, "class.yaml");
    fs.writeFileSync(file, text);
    return file;
}

const good = `
name: cloud-101
cluster: { kubeconfig: /home/teacher/class.kubeconfig, context: class }
stack: kind-canary
entryHost: node1.example
firstNodePort: 30101
config:
  rollout-lab:monitoring.enabled: false
students:
  - alice
  - name: bob
    stack: kind-bluegreen
    config: { "rollout-lab:bluegreen.activeColor": green }
  - carol
`;

describe("lab class", function () {
    this.timeout(60_000);

    it("gives each student a namespace, the next NodePort, an entry URL and credentials of their own, over the class's or their own stack", () => {
        const dir = tempDir("lab-class-");
        const labs = studentLabs(readClassFile(write(dir, good)));
        assert.deepEqual(
            labs.map((l) => [l.student, l.stack, l.namespace, l.nodePort, l.entryUrl]),
            [
                ["alice", "kind-canary", "lab-alice", 30101, "http://node1.example:30101"],
                ["bob", "kind-bluegreen", "lab-bob", 30102, "http://node1.example:30102"],
                ["carol", "kind-canary", "lab-carol", 30103, "http://node1.example:30103"],
            ],
        );
        assert.deepEqual(labs[1].config, {
            "rollout-lab:monitoring.enabled": "false",
            "rollout-lab:bluegreen.activeColor": "green",
            "rollout-lab:platform": "kubernetes",
            "rollout-lab:namespace": "lab-bob",
            "rollout-lab:kubernetes.nodePort": "30102",
            "rollout-lab:kubernetes.entryUrl": "http://node1.example:30102",
            "rollout-lab:kubernetes.studentAccess": "true",
            "rollout-lab:kubernetes.kubeconfig": "/home/teacher/class.kubeconfig",
            "rollout-lab:kubernetes.context": "class",
        });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("refuses a bad class file naming every key, the value and what is allowed", () => {
        const dir = tempDir("lab-class-");
        const file = write(dir, "name: Cloud_101\nstack: kind-canry\nentryHost: node1\nfirstNodePort: 32767\nstudents: [alice, alice]\n");
        assert.throws(
            () => readClassFile(file),
            (e: Error) => {
                assert.match(e.message, /name: got "Cloud_101"; allowed: a lower-case DNS label of at most 32 characters/);
                assert.match(e.message, /stack: got "kind-canry"; allowed: a stack of stacks\//);
                assert.match(e.message, /students\.1\.name: got .*; allowed: a name no other student has \(alice is there twice\)/);
                assert.match(e.message, /firstNodePort: got 32767; allowed: at most 32766, so that 2 students fit below 32768/);
                return true;
            },
        );
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("one line per student: PASS with the count, FAIL with what failed; a lab never brought up fails", async () => {
        const dir = tempDir("lab-class-");
        const file = write(dir, good);
        const results = await classCheck(file, { stateRoot: dir, only: ["alice", "bob"] });
        assert.deepEqual(classCheckLines(results), [
            "FAIL  alice  kind-canary     lab-alice  failed: deployed (never brought up (npx lab class up); expected the lab up)",
            "FAIL  bob    kind-bluegreen  lab-bob    failed: deployed (never brought up (npx lab class up); expected the lab up)",
        ]);
        const pass = classCheckLines([{ student: "carol", namespace: "lab-carol", stack: "kind-canary", ok: true, checks: [{ check: "entry", status: "pass", measured: "", expected: "" }, { check: "monitoring", status: "skip", measured: "", expected: "" }] }]);
        assert.deepEqual(pass, ["PASS  carol  kind-canary  lab-carol  1/2 checks passed"]);
        assert.deepEqual(await classDown(file, { stateRoot: dir, log: () => undefined }), [], "nothing to destroy");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("lab class refuses a missing file and an unknown student with exit code 2", async () => {
        const dir = tempDir("lab-class-");
        const file = write(dir, good);
        const stderr: string[] = [];
        const writeErr = process.stderr.write;
        process.stderr.write = ((c: string | Uint8Array) => (stderr.push(c.toString()), true)) as typeof process.stderr.write;
        try {
            assert.equal(await runLab(["class", "check", path.join(dir, "nope.yaml")]), 2);
            assert.equal(await runLab(["class", "up", file, "--only", "alice,zoe"]), 2);
        } finally {
            process.stderr.write = writeErr;
        }
        assert.match(stderr.join(""), /class file: got ".*nope\.yaml"; allowed: a readable YAML file/);
        assert.match(stderr.join(""), /--only: got "zoe"; allowed: students of class cloud-101: alice, bob, carol/);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
