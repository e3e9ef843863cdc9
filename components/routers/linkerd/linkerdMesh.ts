import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { LabConfig } from "../../config";
import { formerType } from "../../formerType";

// Linkerd, installed by the program: its CRDs (and the Gateway API CRDs when the cluster lacks them), a
// trust anchor and an issuer certificate generated here, and the control plane. The lab's namespace is annotated for proxy injection.

export const linkerdNamespace = "linkerd";
export const injectAnnotation = { "linkerd.io/inject": "enabled" };

export interface LinkerdMeshArgs {
    config: LabConfig["linkerd"];
}

/** Values of the linkerd-crds chart. */
export function linkerdCrdsValues(config: LabConfig["linkerd"]): Record<string, unknown> {
    // The chart installs the Gateway API CRDs Linkerd reads (HTTPRoute, GRPCRoute) unless told the
    // cluster has them already. Said explicitly: the chart's own default turned from true to false in 2025.
    return { installGatewayAPI: config.installGatewayApi };
}

/** Values of the linkerd-control-plane chart: the identity certificates, and small proxies for a laptop. */
export function linkerdControlPlaneValues(
    certs: { trustAnchorPem: pulumi.Input<string>; issuerCertPem: pulumi.Input<string>; issuerKeyPem: pulumi.Input<string> },
): Record<string, unknown> {
    return {
        identityTrustAnchorsPEM: certs.trustAnchorPem,
        identity: { issuer: { tls: { crtPEM: certs.issuerCertPem, keyPEM: certs.issuerKeyPem } } },
        proxy: { resources: { cpu: { request: "20m" }, memory: { request: "20Mi", limit: "250Mi" } } },
    };
}

export class LinkerdMesh extends pulumi.ComponentResource {
    /** What meshed pods wait for: the control plane (its proxy injector) installed. */
    public readonly ready: pulumi.Resource[];
    public readonly trustAnchorPem: pulumi.Output<string>;

    constructor(name: string, args: LinkerdMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rollout-lab:routers:LinkerdMesh", name, {}, formerType("rollout-lab:traffic:LinkerdMesh", opts));
        const certs = linkerdIdentity(name, args.config, this);
        const ns = linkerdNamespaceObject(name, this);
        this.ready = [ns, ...linkerdCharts(name, args.config, certs, ns, this)];
        this.trustAnchorPem = certs.trustAnchorPem;
        this.registerOutputs({ trustAnchorPem: this.trustAnchorPem });
    }
}

type IdentityPems = Parameters<typeof linkerdControlPlaneValues>[0] & { trustAnchorPem: pulumi.Output<string> };

/**
 * The identity certificates, generated here (never committed, kept secret in the state): the trust anchor
 * (root) signs the issuer, the issuer signs every proxy's certificate. Linkerd wants ECDSA P-256 keys and
 * CA certificates for both.
 */
function linkerdIdentity(name: string, config: LabConfig["linkerd"], parent: pulumi.Resource): IdentityPems {
    const child = { parent };
    const anchorKey = new tls.PrivateKey(`${name}-trust-anchor-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const anchor = new tls.SelfSignedCert(
        `${name}-trust-anchor`,
        {
            privateKeyPem: anchorKey.privateKeyPem,
            subject: { commonName: "root.linkerd.cluster.local" },
            isCaCertificate: true,
            setSubjectKeyId: true,
            validityPeriodHours: config.trustAnchorValidityHours,
            allowedUses: ["cert_signing", "crl_signing"],
        },
        child,
    );
    const issuerKey = new tls.PrivateKey(`${name}-issuer-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const issuerRequest = new tls.CertRequest(
        `${name}-issuer-csr`,
        { privateKeyPem: issuerKey.privateKeyPem, subject: { commonName: "identity.linkerd.cluster.local" } },
        child,
    );
    const issuer = new tls.LocallySignedCert(
        `${name}-issuer`,
        {
            certRequestPem: issuerRequest.certRequestPem,
            caPrivateKeyPem: anchorKey.privateKeyPem,
            caCertPem: anchor.certPem,
            isCaCertificate: true,
            maxPathLength: 0,
            setSubjectKeyId: true,
            validityPeriodHours: config.issuerValidityHours,
            allowedUses: ["cert_signing", "crl_signing"],
        },
        child,
    );
    return { trustAnchorPem: anchor.certPem, issuerCertPem: issuer.certPem, issuerKeyPem: pulumi.secret(issuerKey.privateKeyPem) };
}

/**
 * Linkerd's namespace. Helm does not make it (its template renders only under the linkerd CLI): the
 * labels and annotation are the ones the CLI would set.
 */
function linkerdNamespaceObject(name: string, parent: pulumi.Resource): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        `${name}-ns`,
        {
            metadata: {
                name: linkerdNamespace,
                labels: {
                    "linkerd.io/is-control-plane": "true",
                    "config.linkerd.io/admission-webhooks": "disabled",
                    "linkerd.io/control-plane-ns": linkerdNamespace,
                },
                annotations: { "linkerd.io/inject": "disabled" },
            },
        },
        { parent },
    );
}

/** The linkerd-crds and linkerd-control-plane charts, in that order, in Linkerd's namespace. */
function linkerdCharts(name: string, config: LabConfig["linkerd"], certs: IdentityPems, ns: pulumi.Resource, parent: pulumi.Resource): pulumi.Resource[] {
    const repositoryOpts = { repo: config.chartRepo };
    const crds = new k8s.helm.v3.Release(
        `${name}-crds`,
        {
            name: "linkerd-crds",
            chart: "linkerd-crds",
            version: config.chartVersion,
            repositoryOpts,
            namespace: linkerdNamespace,
            values: linkerdCrdsValues(config),
        },
        { parent, dependsOn: [ns] },
    );
    const controlPlane = new k8s.helm.v3.Release(
        `${name}-control-plane`,
        {
            name: "linkerd-control-plane",
            chart: "linkerd-control-plane",
            version: config.chartVersion,
            repositoryOpts,
            namespace: linkerdNamespace,
            values: linkerdControlPlaneValues(certs),
            // Wait for the injector and identity to be ready: pods created earlier would start unmeshed.
            waitForJobs: true,
        },
        { parent, dependsOn: [crds] },
    );
    return [crds, controlPlane];
}
