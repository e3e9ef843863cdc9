import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabPlan, Role } from "../plan";
import { appService, selectorLabels } from "./appWorkloads";
import { releaseDeployments } from "./releaseDeployments";
import { formerType } from "../formerType";
import type { WorkloadSettings } from "./replacement";

export interface RoutedAppArgs {
    settings: WorkloadSettings;
    plan: LabPlan;
    images: Record<Role, pulumi.Input<string>>;
    namespace: pulumi.Input<string>;
    /** What the pods wait for: images loaded, the mesh's injector running. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The app under a router (an ingress or a mesh): one Deployment per release with its own Service, and the
 * parent Service that clients address (it selects every release's pods; the router, not the selector,
 * decides who answers). Both releases keep their replica counts whatever the weight.
 */
export class RoutedApp extends pulumi.ComponentResource {
    public readonly deployments: k8s.apps.v1.Deployment[];
    public readonly parentService: k8s.core.v1.Service;

    constructor(name: string, args: RoutedAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:kubernetes:RoutedApp", name, {}, formerType("rollout-lab:traffic:RoutedApp", opts));
        const { settings, plan, namespace } = args;
        const child = { parent: this, dependsOn: args.dependsOn };
        this.deployments = releaseDeployments(plan, args.images, namespace, settings, child);
        this.parentService = appService(`${name}-svc`, { namespace, selector: selectorLabels, type: "ClusterIP" }, child);
        if (plan.releases.length > 1) {
            for (const release of plan.releases) {
                appService(`${name}-${release.role}-svc`, { namespace, selector: { ...selectorLabels, ...release.selector }, type: "ClusterIP", name: release.name }, child);
            }
        }
        this.registerOutputs({});
    }
}
