import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LabPlan, Role } from "../plan";
import { appAutoscaler, appDeployment, appDisruptionBudget } from "./appWorkloads";
import { WorkloadSettings, deploymentReplacement } from "./replacement";

/**
 * Every release of the plan as a Deployment, with what keeps it answering while pods come and go: its
 * autoscaler when the stack asks for one, and its disruption budget. Both ways the app is built (the
 * Deployments alone, or a RoutedApp with Services) make them here.
 */
export function releaseDeployments(
    plan: LabPlan,
    images: Record<Role, pulumi.Input<string>>,
    namespace: pulumi.Input<string>,
    settings: WorkloadSettings,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment[] {
    const replacement = deploymentReplacement(plan, settings);
    return plan.releases.map((release) => {
        const deployment = appDeployment({ release, image: images[release.role] }, { namespace, ...replacement }, opts);
        appAutoscaler(release, namespace, settings.hpa, opts);
        appDisruptionBudget(release, namespace, opts);
        return deployment;
    });
}
