#!/usr/bin/env bash
# Builds Prometheus from its Go module (github.com/prometheus/prometheus, cmd/prometheus) into the
# toolchain cache and prints the binary's path; reused while the version and build tags are unchanged.
# For the lab's Kubernetes monitoring on machines that cannot pull prom/prometheus: Debian's package
# (the Swarm image) is built without Kubernetes service discovery, which the lab's Prometheus on
# Kubernetes needs to find the app's pods, node-exporter and cAdvisor. Only the discovery mechanisms
# the lab uses are compiled in (kubernetes, dns, plus file and http, which are always there).
# Static (CGO_ENABLED=0), so scripts/monitoring-images.sh can copy it into any image.
#
# Environment: PROMETHEUS_MODULE_VERSION (default v0.316.0, the module version of Prometheus 3.16.0),
# ROLLOUT_LAB_TOOLCHAIN_DIR, TOOLCHAIN_GO_BUILD_P.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/cache.sh
source "$root/scripts/lib/cache.sh"
version="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
tags="remove_all_sd,enable_kubernetes_sd,enable_dns_sd"
want="github.com/prometheus/prometheus@$version tags=$tags CGO_ENABLED=0"
build() {
    local work dir release ldflags
    work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-prometheus.XXXXXX")"
    # The version the binary reports (`prometheus --version`, prometheus_build_info) comes from the
    # module's VERSION file, stamped the way Prometheus's own build does.
    dir="$(module_dir "github.com/prometheus/prometheus@$version")"
    release="$(cat "$dir/VERSION")"
    ldflags="-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Revision=module-$version -X github.com/prometheus/common/version.Branch=release -X github.com/prometheus/common/version.BuildUser=rollout-lab"
    CGO_ENABLED=0 GOBIN="$work" go install -p "${TOOLCHAIN_GO_BUILD_P:-2}" -trimpath -tags "$tags" -ldflags "$ldflags" \
        "github.com/prometheus/prometheus/cmd/prometheus@$version"
    mv "$work/prometheus" "$1"
    rm -rf "$work"
}
build_once prometheus "$want" build
echo "$TOOLCHAIN_CACHE/bin/prometheus"
