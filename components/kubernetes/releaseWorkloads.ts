import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabPlan, Role } from "../plan";
import { releaseDeployments } from "./releaseDeployments";
import { WorkloadSettings } from "./replacement";
import { RoutedApp } from "./routedApp";

// The app's workloads on Kubernetes, from the plan alone: the composition root creates them for every
// router, under the component the router names (the scope), and the router routes them.

export type { WorkloadSettings };

export interface ReleaseWorkloadsArgs {
    plan: LabPlan;
    images: Record<Role, pulumi.Input<string>>;
    namespace: pulumi.Input<string>;
    settings: WorkloadSettings;
    /** A Service per release and one over all (RoutedApp), for a router's rules to name; else the Deployments alone. */
    releaseServices: boolean;
    /** What the pods wait for: images loaded, a mesh's injector. */
    dependsOn: pulumi.Resource[];
}

/** What a router gets to route: the releases' Deployments, and what its objects should wait for. */
export interface AppWorkloads {
    deployments: k8s.apps.v1.Deployment[];
    /** The app as a whole (the RoutedApp, or the Deployments). */
    resources: pulumi.Resource[];
}

/** A Deployment (and autoscaler) per release of the plan, with a Service each when the router routes by rules. */
export function releaseWorkloads(name: string, args: ReleaseWorkloadsArgs, opts: { parent: pulumi.Resource }): AppWorkloads {
    if (args.releaseServices) {
        const app = new RoutedApp(name, args, opts);
        return { deployments: app.deployments, resources: [app] };
    }
    const { plan, namespace, settings } = args;
    const child = { parent: opts.parent, dependsOn: args.dependsOn };
    const deployments = releaseDeployments(plan, args.images, namespace, settings, child);
    return { deployments, resources: deployments };
}
