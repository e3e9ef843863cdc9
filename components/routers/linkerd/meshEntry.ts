import * as k8s from "@pulumi/kubernetes";
import { appName } from "../../kubernetes/appWorkloads";
import { ingressSpec, nginxAnnotation } from "../ingressNginx";

/** The one Ingress in front of a mesh: to the parent Service, through the Service's address so the mesh's route applies. */
export function meshEntryIngressSpec(namespace: string): k8s.types.input.networking.v1.Ingress {
    return ingressSpec("demo-app", namespace, appName, { [nginxAnnotation("service-upstream")]: "true" });
}
