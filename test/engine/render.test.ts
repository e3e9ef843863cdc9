import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { openLabStack } from "../../tools/lib/workspace";
import { validateKubernetesObject } from "../support/kubernetesSchema";
import { stackNames } from "../support/pulumiHarness";
import { expectationFor } from "../support/stackExpectations";

// The real Pulumi engine (the CLI and the Kubernetes provider from scripts/toolchain.sh on PATH; the program
// runs inline through the Automation API, so no language host is needed):
// every Kubernetes stack is previewed, then `pulumi up` in render mode writes its manifests, which are
// parsed and validated against the Kubernetes schemas. Monitoring is off: its password comes from the
// random provider, which cannot be had on the lab's build machine (see toolchain/README.md). Stacks routed
// by ingress-nginx, Linkerd or Istio render with install: false: their charts come from Helm repositories
// and the ingress-nginx and tls providers from GitHub, none reachable there; the lab's own routing objects
// (Ingress, HTTPRoute, Gateway, VirtualService, DestinationRule) are rendered and validated all the same.
// Traefik installs no chart: its stacks render whole. The Gateway API CRDs (Traefik's, and Istio's by
// HTTPRoute) are read from the unit tests' stand-in file (the release's YAML is on GitHub).

/** Config that leaves out what needs the network: the charts, the certificates, the controller. */
function offlineConfig(traffic: string | undefined): Record<string, string> {
    // Where a stack installs the Gateway API CRDs (Traefik; Istio by HTTPRoute), they come from the stand-in.
    return { "rollout-lab:gatewayApi.crds": path.join(__dirname, "..", "fixtures", "gateway-api-crds.yaml"), ...withoutCharts(traffic) };
}

function withoutCharts(traffic: string | undefined): Record<string, string> {
    switch (traffic) {
        case "nginx":
            return { "rollout-lab:ingressNginx.install": "false" };
        case "linkerd":
            return { "rollout-lab:linkerd.install": "false" };
        case "istio":
            return { "rollout-lab:istio.install": "false" };
        default:
            return {};
    }
}

/** Which routing objects each provider renders, by kind. */
const routingKinds: Record<string, string[]> = {
    native: [],
    traefik: ["Gateway", "HTTPRoute"],
    nginx: ["Ingress"],
    linkerd: ["HTTPRoute", "Ingress"],
    istio: ["DestinationRule", "Gateway", "VirtualService"],
};
/** Stacks whose router writes other kinds than its default: Istio by the Gateway API. */
const routingKindsOf: Record<string, string[]> = { "kind-shadow-istio-httproute": ["Gateway", "HTTPRoute"] };

function renderedObjects(dir: string): Record<string, any>[] {
    const files: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
    walk(dir);
    return files.filter((f) => f.endsWith(".yaml")).flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, "utf8")).map((doc) => doc.toJS()));
}

function tokenOf(obj: Record<string, any>): string {
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["core", obj.apiVersion];
    return `kubernetes:${group}/${version}:${obj.kind}`;
}

describe("Kubernetes stacks under the real Pulumi engine (render mode)", function () {
    this.timeout(10 * 60 * 1000);
    const kubernetesStacks = stackNames().filter((s) => expectationFor(s).kubernetes !== undefined);

    for (const stack of kubernetesStacks) {
        it(`${stack}: previews, renders, and every rendered object passes the schemas`, async () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), `rollout-lab-render-${stack}-`));
            const expectation = expectationFor(stack);
            const traffic = expectation.routing.traffic;
            const lab = await openLabStack({
                stack,
                config: { "rollout-lab:renderYamlTo": out, "rollout-lab:monitoring.enabled": "false", ...offlineConfig(traffic) },
            });
            const preview = await lab.stack.preview({});
            assert.ok((preview.changeSummary.create ?? 0) >= 5, JSON.stringify(preview.changeSummary));
            const up = await lab.stack.up({});
            assert.equal(up.summary.result, "succeeded");
            const objects = renderedObjects(out);
            const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
            process.stdout.write(`        ${stack}: ${JSON.stringify(preview.changeSummary)}, rendered ${names.join(", ")}\n`);
            for (const o of objects) {
                assert.deepEqual(await validateKubernetesObject(tokenOf(o), o), [], `${o.kind}/${o.metadata.name}`);
            }
            // The app's Deployments; a router's own (Traefik's) runs in its namespace.
            const deployments = objects.filter((o) => o.kind === "Deployment" && o.metadata.namespace === "rollout-lab").map((o) => o.metadata.name).sort();
            assert.deepEqual(deployments, Object.keys(expectation.kubernetes!.deployments).sort());
            const routing = [...new Set(objects.map((o) => o.kind).filter((k) => ["Ingress", "HTTPRoute", "Gateway", "VirtualService", "DestinationRule"].includes(k)))].sort();
            assert.deepEqual(routing, routingKindsOf[stack] ?? routingKinds[traffic]);
            assert.ok(names.includes("Service/demo-app") && names.includes("Namespace/rollout-lab"));
            await lab.stack.workspace.removeStack(stack, { force: true });
            lab.remove();
            fs.rmSync(out, { recursive: true, force: true });
        });
    }

    it("a bad stack config fails the preview with the config message and creates nothing", async () => {
        const lab = await openLabStack({ stack: "kind-canary", config: { "rollout-lab:canary.weight": "120", "rollout-lab:monitoring.enabled": "false" } });
        await assert.rejects(lab.stack.preview({}), (e: unknown) => {
            assert.match(String(e), /Invalid rollout-lab stack config \(1 problem\):\n\s+- rollout-lab:canary\.weight: got 120; allowed: at most 100/);
            return true;
        });
        lab.remove();
    });
});
