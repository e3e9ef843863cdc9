import { strict as assert } from "assert";
import { withoutConfigFileCrds } from "./crdMigration";

// A stack's state from before CrdBundle, written down by hand: the Gateway API's file as a ConfigFile
// with two CRDs under it, Traefik's Deployment and the Gateway depending on them, and a pending operation.
const u = (chain: string, name: string) => `urn:pulumi:kind-canary-traefik::rollout-lab::${chain}::${name}`;
const proxy = u("rollout-lab:routers:TraefikProxy", "lab-traefik");
const file = u("rollout-lab:routers:TraefikProxy$kubernetes:yaml:ConfigFile", "lab-traefik-gateway-api");
const routes = u("rollout-lab:routers:TraefikProxy$kubernetes:yaml:ConfigFile$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "httproutes.gateway.networking.k8s.io");
const gateways = u("rollout-lab:routers:TraefikProxy$kubernetes:yaml:ConfigFile$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "gateways.gateway.networking.k8s.io");
const binding = u("rollout-lab:routers:TraefikProxy$kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "lab-traefik-role-binding");
const deployment = u("rollout-lab:routers:TraefikProxy$kubernetes:apps/v1:Deployment", "lab-traefik-deployment");
const gateway = u("kubernetes:gateway.networking.k8s.io/v1:Gateway", "lab-gateway");

const before = {
    resources: [
        { urn: proxy, type: "rollout-lab:routers:TraefikProxy" },
        { urn: file, type: "kubernetes:yaml:ConfigFile", parent: proxy },
        { urn: routes, type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", parent: file },
        { urn: gateways, type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", parent: file, deletedWith: file },
        { urn: binding, type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", parent: proxy },
        { urn: deployment, type: "kubernetes:apps/v1:Deployment", parent: proxy, dependencies: [binding, file, routes, gateways] },
        { urn: gateway, type: "kubernetes:gateway.networking.k8s.io/v1:Gateway", dependencies: [gateways, deployment], propertyDependencies: { spec: [gateways, deployment] }, deletedWith: routes },
    ],
    pending_operations: [{ resource: { urn: routes }, type: "updating" }, { resource: { urn: gateway }, type: "updating" }],
    manifest: { version: "3.276.0" },
};

describe("crdMigration: the CRD files' old resources out of a stack's state", () => {
    it("removes every ConfigFile with what is under it, and every reference to them, keeping the rest as it was", () => {
        const { deployment: after, removed } = withoutConfigFileCrds(before);
        assert.deepEqual(removed, [file, routes, gateways]);
        assert.deepEqual(after, {
            resources: [
                { urn: proxy, type: "rollout-lab:routers:TraefikProxy" },
                { urn: binding, type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", parent: proxy },
                { urn: deployment, type: "kubernetes:apps/v1:Deployment", parent: proxy, dependencies: [binding] },
                { urn: gateway, type: "kubernetes:gateway.networking.k8s.io/v1:Gateway", dependencies: [deployment], propertyDependencies: { spec: [deployment] } },
            ],
            pending_operations: [{ resource: { urn: gateway }, type: "updating" }],
            manifest: { version: "3.276.0" },
        });
    });

    it("leaves a state in the new shape (or an empty one) as it is", () => {
        const now = { resources: before.resources.filter((r) => r.type !== "kubernetes:yaml:ConfigFile" && r.parent !== file).map((r) => ({ ...r, dependencies: [] })) };
        assert.deepEqual(withoutConfigFileCrds(now), { deployment: now, removed: [] });
        assert.deepEqual(withoutConfigFileCrds({}), { deployment: {}, removed: [] });
    });
});
