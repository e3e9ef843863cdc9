import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "../../../test/support/localProcesses";
import { runLab } from "../cli";
import { assertSharedTraefikFits, readClassFile, sharedPartArgs, studentLabs } from "./classFile";
import { classCheck, classCheckLines, classDown } from "./command";
import { classSharedProgram } from "../../../program/classShared";
import { findResources, gatewayApiCrdsFixture, runUnderMocks } from "../../../test/support/pulumiHarness";

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

    it("shared.exporters: every lab reads the class's node-exporter and cAdvisor in <class>-shared; a student whose namespace would be that one is refused", () => {
        const dir = tempDir("lab-class-");
        const labs = studentLabs(readClassFile(write(dir, good.replace("config:\n", "shared: { exporters: true }\nconfig:\n"))));
        assert.deepEqual(
            labs.map((l) => l.config["rollout-lab:monitoring.exportersNamespace"]),
            ["cloud-101-shared", "cloud-101-shared", "cloud-101-shared"],
        );
        assert.equal(studentLabs(readClassFile(write(dir, good)))[0].config["rollout-lab:monitoring.exportersNamespace"], undefined, "each lab its own exporters by default");
        const clash = write(dir, "name: lab-x\nstack: kind-canary\nentryHost: h\nshared: { exporters: true }\nstudents: [x-shared, y]\n");
        assert.throws(() => readClassFile(clash), /students\.0\.name: got "x-shared"; allowed: a name whose lab's namespaces are not the class's shared namespace lab-x-shared/);
        assert.throws(() => readClassFile(write(dir, "name: c\nstack: kind-canary\nentryHost: h\nshared: { gateway: true }\nstudents: [a]\n")), /shared: got \{"gateway":true\}; allowed: Unrecognized key/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the class's shared part: its namespace, one node-exporter and one cAdvisor DaemonSet, and one Traefik with an entry point per student on the student's NodePort, on the class's cluster", async () => {
        const dir = tempDir("lab-class-");
        // alice and carol route by Traefik (the class's stack), bob natively: entry points for alice and carol.
        const c = readClassFile(write(dir, good.replace("stack: kind-canary\n", "stack: kind-canary-traefik\n").replace("config:\n", `shared: { exporters: true, traefik: true }\nconfig:\n  rollout-lab:traefik.image: r/traefik:3\n  rollout-lab:gatewayApi.crds: ${gatewayApiCrdsFixture}\n`)));
        const args = sharedPartArgs(c)!;
        assert.deepEqual(args.traefik?.entryPoints, [
            { name: "lab-1", port: 8001, servicePort: 8001, nodePort: 30101 },
            { name: "lab-3", port: 8003, servicePort: 8003, nodePort: 30103 },
        ]);
        assert.deepEqual([args.traefik?.config.image, args.traefik?.gatewayApi], ["r/traefik:3", { install: true, crds: gatewayApiCrdsFixture }]);
        // Each lab routing by Traefik listens on its own entry point and installs neither Traefik nor the CRDs.
        assert.deepEqual(
            studentLabs(c).map((l) => [l.config["rollout-lab:traefik.install"], l.config["rollout-lab:gatewayApi.install"], l.config["rollout-lab:traefik.listenerPort"]]),
            [["false", "false", "8001"], ["false", "false", "8002"], ["false", "false", "8003"]],
        );
        assert.equal(sharedPartArgs(readClassFile(write(dir, good))), undefined, "no shared part unless asked");
        assertSharedTraefikFits(c);
        const shadow = readClassFile(write(dir, "name: c\nstack: kind-canary\nentryHost: h\nshared: { traefik: true }\nstudents: [a, { name: b, stack: kind-shadow-traefik }]\n"));
        assert.throws(() => assertSharedTraefikFits(shadow), /class file: students\.1: got b on kind-shadow-traefik; allowed: a stack a shared Traefik can route \(shadow mirrors through a lab's own Traefik\)/);
        const sticky = readClassFile(write(dir, `name: c\nstack: kind-canary-traefik\nentryHost: h\nshared: { traefik: true }\nconfig: { "rollout-lab:canary.sticky": true }\nstudents: [a]\n`));
        assert.throws(() => assertSharedTraefikFits(sticky), /students\.0: got a on kind-canary-traefik; allowed: .*canary\.sticky/);

        const run = await runUnderMocks(() => classSharedProgram({ ...args, exporters: { nodeExporter: "r/node-exporter:1", cadvisor: "r/cadvisor:2" } }));
        const provider = findResources(run, "pulumi:providers:kubernetes");
        assert.deepEqual(provider.map((p) => [p.inputs.kubeconfig, p.inputs.context]), [["/home/teacher/class.kubeconfig", "class"]]);
        assert.deepEqual(findResources(run, "kubernetes:core/v1:Namespace").map((n) => [n.inputs.metadata.name, n.inputs.metadata.labels["app.kubernetes.io/part-of"]]), [["cloud-101-shared", "rollout-lab"]]);
        const inNamespace = (type: string) => findResources(run, type).map((d) => `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`);
        assert.deepEqual(inNamespace("kubernetes:apps/v1:DaemonSet"), ["cloud-101-shared/node-exporter", "cloud-101-shared/cadvisor"]);
        assert.deepEqual(findResources(run, "kubernetes:apps/v1:DaemonSet").map((d) => d.inputs.spec.template.spec.containers[0].image), ["r/node-exporter:1", "r/cadvisor:2"]);
        assert.deepEqual(inNamespace("kubernetes:apps/v1:Deployment"), ["cloud-101-shared/traefik"]);
        const traefik = findResources(run, "kubernetes:apps/v1:Deployment")[0].inputs.spec.template.spec.containers[0];
        assert.equal(traefik.image, "r/traefik:3");
        assert.deepEqual(traefik.args.filter((a: string) => a.startsWith("--entryPoints.lab")), [
            "--entryPoints.lab-1.address=:8001",
            "--entryPoints.lab-1.http.middlewares=lab-retry@file",
            "--entryPoints.lab-3.address=:8003",
            "--entryPoints.lab-3.http.middlewares=lab-retry@file",
        ]);
        assert.ok(traefik.args.includes("--providers.kubernetesGateway.statusAddress.service.namespace=cloud-101-shared"));
        const service = findResources(run, "kubernetes:core/v1:Service")[0].inputs;
        assert.deepEqual([service.metadata.namespace, service.spec.type], ["cloud-101-shared", "NodePort"]);
        assert.deepEqual(service.spec.ports.map((p: { port: number; targetPort: number; nodePort: number }) => [p.port, p.targetPort, p.nodePort]), [[8001, 8001, 30101], [8003, 8003, 30103]]);
        assert.deepEqual(findResources(run, "pulumi-nodejs:dynamic/rollout-lab:CrdBundle").map((f) => f.inputs.file), [gatewayApiCrdsFixture], "the Gateway API's CRDs, once");
        assert.deepEqual(findResources(run, "kubernetes:gateway.networking.k8s.io/v1:GatewayClass").map((g) => g.inputs.metadata.name), ["traefik"]);
        assert.equal(run.outputs.sharedNamespace, "cloud-101-shared");
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
