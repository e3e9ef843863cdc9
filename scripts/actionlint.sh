#!/usr/bin/env bash
# Builds actionlint (the linter for GitHub Actions workflows, github.com/rhysd/actionlint) from the Go
# module proxy into the toolchain cache, then lints .github/workflows/*.yml; exit 1 on any finding.
# Reuses the binary while the version below is unchanged. `--print-path` prints the binary's path only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="v1.7.12"
cache="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
bin="$cache/bin/actionlint"
stamp="$cache/bin/.actionlint.stamp"
mkdir -p "$cache/bin"
if [[ ! -x "$bin" || ! -f "$stamp" || "$(cat "$stamp")" != "$version" ]]; then
    started=$(date +%s)
    echo "actionlint $version: building (go install github.com/rhysd/actionlint/cmd/actionlint@$version) ..." >&2
    GOBIN="$cache/bin" CGO_ENABLED=0 go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@$version"
    echo "$version" > "$stamp"
    echo "actionlint $version: built in $(( $(date +%s) - started ))s" >&2
fi
if [[ "${1:-}" == "--print-path" ]]; then
    echo "$bin"
    exit 0
fi
cd "$root"
# shellcheck and pyflakes are optional to actionlint; without them on PATH it skips those checks.
"$bin" -no-color .github/workflows/*.yml
echo "actionlint $version: .github/workflows clean ($(ls .github/workflows/*.yml | wc -l) files)"
