#!/usr/bin/env bash
# Builds cAdvisor (toolchain/cadvisor: a small main on the github.com/google/cadvisor library) into the
# toolchain cache and prints the binary's path. Reuses the binary while toolchain/cadvisor is unchanged.
# Built with CGO_ENABLED=0: a static binary, so scripts/monitoring-images.sh can copy it into any image
# whatever its libc (the library needs no cgo for the Docker, containerd and cgroup collectors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
bin="$cache/bin/cadvisor"
stamp="$cache/bin/.cadvisor.stamp"
# The library's version, stamped into the binary (`cadvisor --version`, the cadvisor_version_info metric).
library="$(awk '$1 == "github.com/google/cadvisor" { print $2 }' "$root/toolchain/cadvisor/go.mod")"
ldflags="-X github.com/google/cadvisor/version.Version=$library -X github.com/google/cadvisor/version.Revision=rollout-lab"
want="$( (cat "$root"/toolchain/cadvisor/{go.mod,go.sum,main.go}; echo "CGO_ENABLED=0 $ldflags") | sha256sum | cut -c1-16)"
mkdir -p "$cache/bin"
if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "$bin"
    exit 0
fi
started=$(date +%s)
echo "cadvisor: building from toolchain/cadvisor (github.com/google/cadvisor library) ..." >&2
(
    cd "$root/toolchain/cadvisor"
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -p "${TOOLCHAIN_GO_BUILD_P:-2}" -trimpath -ldflags "$ldflags" -o "$bin.tmp" .
)
mv "$bin.tmp" "$bin"
echo "$want" > "$stamp"
echo "cadvisor: built in $(( $(date +%s) - started ))s" >&2
echo "$bin"
