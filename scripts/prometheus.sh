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
cache="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
version="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
tags="remove_all_sd,enable_kubernetes_sd,enable_dns_sd"
bin="$cache/bin/prometheus"
stamp="$cache/bin/.prometheus.stamp"
want="github.com/prometheus/prometheus@$version tags=$tags CGO_ENABLED=0"
mkdir -p "$cache/bin"
if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "$bin"
    exit 0
fi
started=$(date +%s)
echo "prometheus: building github.com/prometheus/prometheus/cmd/prometheus@$version (tags $tags) ..." >&2
export GOCACHE="${TOOLCHAIN_GOCACHE:-$cache/go-build}"
work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-prometheus.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The version the binary reports (`prometheus --version`, prometheus_build_info) comes from the module's
# VERSION file, stamped the way Prometheus's own build does.
dir="$(go mod download -json "github.com/prometheus/prometheus@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
release="$(cat "$dir/VERSION")"
ldflags="-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Revision=module-$version -X github.com/prometheus/common/version.Branch=release -X github.com/prometheus/common/version.BuildUser=rollout-lab"
CGO_ENABLED=0 GOBIN="$work" go install -p "${TOOLCHAIN_GO_BUILD_P:-2}" -trimpath -tags "$tags" -ldflags "$ldflags" \
    "github.com/prometheus/prometheus/cmd/prometheus@$version"
mv "$work/prometheus" "$bin"
echo "$want" > "$stamp"
echo "prometheus: $release built in $(( $(date +%s) - started ))s" >&2
echo "$bin"
