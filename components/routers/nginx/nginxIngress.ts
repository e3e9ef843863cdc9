import * as k8s from "@pulumi/kubernetes";
import { serviceHost } from "../../kubernetes/appWorkloads";
import { LabPlan, pairOf, weightedSplit } from "../../plan";
import { nginxAnnotation as annotation, ingressSpec } from "../ingressNginx";

// ingress-nginx routing by itself: a stable Ingress and a canary Ingress whose annotations say which
// requests the candidate gets (weight, header, cookie), and the mirror annotation for shadow.

/**
 * The canary Ingress's annotations for a plan. ingress-nginx decides per request in this order: the
 * header (its value, or "always"/"never"), then the cookie ("always"/"never"), then the weight.
 */
export function canaryAnnotations(plan: LabPlan): Record<string, string> {
    const a: Record<string, string> = { [annotation("canary")]: "true" };
    const { routing } = plan;
    if (routing.kind === "match") {
        for (const m of routing.matches) {
            if ("header" in m) {
                a[annotation("canary-by-header")] = m.header.name;
                a[annotation(m.header.regex ? "canary-by-header-pattern" : "canary-by-header-value")] = m.header.value;
            } else {
                a[annotation("canary-by-cookie")] = m.cookie;
            }
        }
    } else {
        a[annotation("canary-weight")] = String(weightedSplit(routing) ?? 0);
        a[annotation("canary-weight-total")] = "100";
    }
    return a;
}

/** The stable Ingress's annotations: the mirror for shadow. */
export function stableAnnotations(plan: LabPlan, namespace: string): Record<string, string> {
    const pair = pairOf(plan);
    if (plan.routing.kind !== "mirror" || pair === undefined) {
        return {};
    }
    // ingress-nginx mirrors every request (no percentage): its declaration says so, and config validation
    // allows only shadow.percent 100 here.
    return {
        [annotation("mirror-target")]: `http://${serviceHost(pair.candidate.name, namespace)}$request_uri`,
        [annotation("mirror-request-body")]: "on",
    };
}

/** The Ingress objects of a plan routed by ingress-nginx: stable, plus canary where the candidate gets requests by rule. */
export function nginxIngressSpecs(plan: LabPlan, namespace: string): { name: string; spec: k8s.types.input.networking.v1.Ingress }[] {
    const pair = pairOf(plan);
    const stableService = pair?.stable.name ?? plan.releases[0].name;
    const specs = [{ name: "demo-app", spec: ingressSpec("demo-app", namespace, stableService, stableAnnotations(plan, namespace)) }];
    if (pair !== undefined && plan.routing.kind !== "mirror") {
        specs.push({ name: "demo-app-canary", spec: ingressSpec("demo-app-canary", namespace, pair.candidate.name, canaryAnnotations(plan)) });
    }
    return specs;
}
