#!/usr/bin/env bash
# Builds cAdvisor (toolchain/cadvisor: a small main on the github.com/google/cadvisor library) into the
# toolchain cache and prints the binary's path. Reuses the binary while toolchain/cadvisor is unchanged.
# Built with CGO_ENABLED=0: a static binary, so scripts/monitoring-images.sh can copy it into any image
# whatever its libc (the library needs no cgo for the Docker, containerd and cgroup collectors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/cache.sh
source "$root/scripts/lib/cache.sh"
# The library's version, stamped into the binary (`cadvisor --version`, the cadvisor_version_info metric).
library="$(awk '$1 == "github.com/google/cadvisor" { print $2 }' "$root/toolchain/cadvisor/go.mod")"
ldflags="-X github.com/google/cadvisor/version.Version=$library -X github.com/google/cadvisor/version.Revision=rollout-lab"
want="$( (cat "$root"/toolchain/cadvisor/{go.mod,go.sum,main.go}; echo "CGO_ENABLED=0 $ldflags") | sha256sum | cut -c1-16)"
build() {
    (cd "$root/toolchain/cadvisor" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -p "${TOOLCHAIN_GO_BUILD_P:-2}" -trimpath -ldflags "$ldflags" -o "$1" .)
}
build_once cadvisor "$want" build
echo "$TOOLCHAIN_CACHE/bin/cadvisor"
