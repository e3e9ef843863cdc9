#!/usr/bin/env bash
# Builds actionlint (the linter for GitHub Actions workflows, github.com/rhysd/actionlint) from the Go
# module proxy into the toolchain cache, then lints .github/workflows/*.yml; exit 1 on any finding.
# Reuses the binary while the version below is unchanged. `--print-path` prints the binary's path only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/cache.sh
source "$root/scripts/lib/cache.sh"
version="v1.7.12"
build() {
    local work
    work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-actionlint.XXXXXX")"
    GOBIN="$work" CGO_ENABLED=0 go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@$version"
    mv "$work/actionlint" "$1"
    rm -rf "$work"
}
build_once actionlint "$version" build
bin="$TOOLCHAIN_CACHE/bin/actionlint"
if [[ "${1:-}" == "--print-path" ]]; then
    echo "$bin"
    exit 0
fi
cd "$root"
# actionlint runs shellcheck and pyflakes where they are on PATH, and skips those checks where not.
"$bin" -no-color .github/workflows/*.yml
files=(.github/workflows/*.yml)
echo "actionlint $version: .github/workflows clean (${#files[@]} files)"
