import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CrdBundleInputs, CrdBundleOutputs, bundleDigest, crdBundleProvider, renderedBundlePath } from "./crdBundle";

// The bundle's provider against a kubectl stand-in on PATH that writes down each call and prints what
// `kubectl apply -o name` prints for a file of two CRDs and a policy.
describe("CrdBundle: a CRD file applied as one resource", () => {
    let dir: string;
    let calls: string;
    let savedPath: string | undefined;
    const printed = [
        "customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io",
        "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io",
        "validatingadmissionpolicy.admissionregistration.k8s.io/safe-upgrades.gateway.networking.k8s.io",
    ];

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "crd-bundle-"));
        calls = path.join(dir, "calls");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // Each call: its arguments on one line, and whether a --kubeconfig file it names holds the text given.
        fs.writeFileSync(
            path.join(bin, "kubectl"),
            `#!/bin/sh
echo "$*" >> ${calls}
prev=""; for a in "$@"; do if [ "$prev" = "--kubeconfig" ]; then echo "kubeconfig: $(cat "$a")" >> ${calls}; fi; prev="$a"; done
case "$*" in *" apply "*) printf '%s\\n' ${printed.map((p) => `"${p}"`).join(" ")} ;; esac
`,
            { mode: 0o755 },
        );
        savedPath = process.env.PATH;
        process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ""}`;
    });

    afterEach(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const lines = () => fs.readFileSync(calls, "utf8").trim().split("\n");

    it("applies server-side, waits for the CRDs (not the policy) to be established, and deletes by the names printed", async () => {
        const file = path.join(dir, "crds.yaml");
        fs.writeFileSync(file, "kind: CustomResourceDefinition\n");
        const kubeconfigFile = path.join(dir, "config");
        fs.writeFileSync(kubeconfigFile, "the teacher's");
        const inputs: CrdBundleInputs = { file, digest: bundleDigest(file), cluster: "c1", kubeconfigFile, context: "kind-x" };
        const created = await crdBundleProvider.create!(inputs);
        assert.equal(created.id, inputs.digest);
        assert.deepEqual((created.outs as CrdBundleOutputs).objects, printed);
        assert.deepEqual(lines(), [
            `--kubeconfig ${kubeconfigFile} --context kind-x apply --server-side --force-conflicts --field-manager=rollout-lab -o name -f ${file}`,
            "kubeconfig: the teacher's",
            `--kubeconfig ${kubeconfigFile} --context kind-x wait --for=condition=Established --timeout=120s ${printed[0]} ${printed[1]}`,
            "kubeconfig: the teacher's",
        ]);
        fs.rmSync(calls);
        await crdBundleProvider.delete!(created.id, created.outs as CrdBundleOutputs);
        assert.deepEqual(lines(), [`--kubeconfig ${kubeconfigFile} --context kind-x delete --ignore-not-found --wait=true ${printed.join(" ")}`, "kubeconfig: the teacher's"]);
    });

    it("hands kubectl the kubeconfig's text in a file of its own, gone afterwards", async () => {
        const file = path.join(dir, "crds.yaml");
        fs.writeFileSync(file, "kind: CustomResourceDefinition\n");
        await crdBundleProvider.create!({ file, digest: bundleDigest(file), cluster: "c1", kubeconfig: "apiVersion: v1 # the test's" });
        const first = lines()[0];
        const kubeconfig = /--kubeconfig (\S+)/.exec(first)![1];
        assert.equal(lines()[1], "kubeconfig: apiVersion: v1 # the test's");
        assert.ok(!fs.existsSync(kubeconfig), `${kubeconfig} removed`);
    });

    it("applies again when the file's content or the cluster changes, not otherwise", async () => {
        const olds = { file: "/f.yaml", digest: "sha256:aa", cluster: "c1", objects: [] } as CrdBundleOutputs;
        assert.deepEqual(await crdBundleProvider.diff!("id", olds, { ...olds, kubeconfig: "another text" }), { changes: false });
        assert.deepEqual(await crdBundleProvider.diff!("id", olds, { ...olds, digest: "sha256:bb" }), { changes: true });
        assert.deepEqual(await crdBundleProvider.diff!("id", olds, { ...olds, cluster: "c2" }), { changes: true });
    });

    it("in render mode copies the file beside the provider's manifests, runs no kubectl, and removes the copy on delete", async () => {
        const file = path.join(dir, "standard install.yaml");
        fs.writeFileSync(file, "kind: CustomResourceDefinition # rendered\n");
        const renderTo = path.join(dir, "rendered");
        const created = await crdBundleProvider.create!({ file, digest: bundleDigest(file), cluster: "render", renderTo });
        const copy = path.join(renderTo, "0-crd", "bundle-standard_install.yaml");
        assert.equal(renderedBundlePath(renderTo, file), copy);
        assert.equal(fs.readFileSync(copy, "utf8"), "kind: CustomResourceDefinition # rendered\n");
        assert.ok(!fs.existsSync(calls), "no kubectl call");
        await crdBundleProvider.delete!(created.id, created.outs as CrdBundleOutputs);
        assert.ok(!fs.existsSync(copy));
    });

    it("knows a local file by its bytes' sha256 and a URL by itself; a missing file is named", () => {
        const file = path.join(dir, "a.yaml");
        fs.writeFileSync(file, "abc");
        // sha256("abc"), the FIPS 180-2 test vector.
        assert.equal(bundleDigest(file), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert.equal(bundleDigest("https://example.invalid/v1/crds.yaml"), "https://example.invalid/v1/crds.yaml");
        assert.throws(
            () => bundleDigest(path.join(dir, "none.yaml"), "gatewayApi.crds"),
            /^Error: rollout-lab:gatewayApi\.crds: cannot read the CRD file .*none\.yaml \(ENOENT.*\); allowed: a readable local file or an http\(s\) URL$/,
        );
    });
});
