#!/usr/bin/env bash
# Builds Traefik from its Go module (github.com/traefik/traefik/v3, cmd/traefik) into the toolchain cache
# and prints the binary's path; reused while the version and the lab's build changes are unchanged. For
# the lab's `traffic: traefik` on machines that cannot pull the traefik image (scripts/traefik-image.sh
# puts it in one). Static (CGO_ENABLED=0).
#
# The module proxy's copy of Traefik does not build as it is, so the build runs in a copy of the module's
# tree with four changes, each from toolchain/traefik/ (the lab's own code) and checked to apply:
#   1. its nested module github.com/traefik/traefik/dynamic/ext (replaced by ./pkg/config/dynamic/ext, a
#      directory the module zip leaves out because it has its own go.mod) -> toolchain/traefik/ext, the
#      two empty extension types open-source Traefik embeds;
#   2. the go-http-auth fork it replaces github.com/abbot/go-http-auth with is refused by the proxy ->
#      upstream v0.4.0, plus toolchain/traefik/authcompat (the fork's CheckSecret, from v0.4.0's own
#      comparisons) and RequireAuth where the fork's RequireAuthStale was (digest auth: no stale hint);
#   3. lego's providers/dns (every ACME DNS provider's SDK; the proxy refuses fourteen) ->
#      toolchain/traefik/nodns: the ACME DNS-01 challenge fails with an error saying it is not built in.
#   4. the web UI is not built (it needs the UI's JavaScript toolchain): the dashboard page is empty.
# Nothing the lab uses (entry points, the Gateway API and file providers, weights, matches, mirroring,
# ping, metrics) is touched.
#
# Environment: TRAEFIK_VERSION (default v3.7.13), ROLLOUT_LAB_TOOLCHAIN_DIR, TOOLCHAIN_GO_BUILD_P.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/cache.sh
source "$root/scripts/lib/cache.sh"
version="${TRAEFIK_VERSION:-v3.7.13}"
log() { echo "traefik: $*" >&2; }
die() { log "error: $*"; exit 1; }
work=""
trap '[[ -z "$work" ]] || { chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }' EXIT

build() {
    log "downloading github.com/traefik/traefik/v3@$version ..."
    local dir
    dir="$(module_dir "github.com/traefik/traefik/v3@$version")"
    work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-traefik.XXXXXX")"
    src="$work/src"
    cp -r "$dir/." "$src"
    chmod -R u+w "$src"
    (cd "$src" && go mod edit \
        -replace "github.com/traefik/traefik/dynamic/ext=$root/toolchain/traefik/ext" \
        -replace "github.com/abbot/go-http-auth=github.com/abbot/go-http-auth@v0.4.0")
    cp "$root/toolchain/traefik/authcompat/authcompat.go" "$src/pkg/middlewares/auth/zz_rollout_lab_authcompat.go"
    replace_in pkg/middlewares/auth/basic_auth.go "goauth.CheckSecret" "checkSecretCompat"
    replace_in pkg/middlewares/auth/digest_auth.go "d.auth.RequireAuthStale(" "d.auth.RequireAuth("
    mkdir -p "$src/internal/rolloutlabnodns"
    cp "$root/toolchain/traefik/nodns/dns.go" "$src/internal/rolloutlabnodns/dns.go"
    replace_in pkg/provider/acme/provider.go '"github.com/go-acme/lego/v5/providers/dns"' 'dns "github.com/traefik/traefik/v3/internal/rolloutlabnodns"'

    log "go build ./cmd/traefik (cold: ~4 min on 2 cores) ..."
    local ldflags="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${version#v} -X github.com/traefik/traefik/v3/pkg/version.Codename=rollout-lab -X github.com/traefik/traefik/v3/pkg/version.BuildDate=module"
    (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -p "${TOOLCHAIN_GO_BUILD_P:-2}" -trimpath -ldflags "$ldflags" -o "$1" ./cmd/traefik) \
        || die "go build failed"
}

# replace_in <file> <from> <to>: a literal replacement that must happen.
replace_in() {
    grep -qF -- "$2" "$src/$1" || die "$1 no longer contains '$2': the build's changes need updating for $version"
    FROM="$2" TO="$3" python3 -c 'import os,sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(s.replace(os.environ["FROM"], os.environ["TO"]))' "$src/$1"
}

# The lab's changes and the recipe that applies them (not this file's comments) decide a rebuild.
changes="$( (cat "$root"/toolchain/traefik/*/*; declare -f build replace_in) | sha256sum | cut -c1-12)"
want="github.com/traefik/traefik/v3@$version CGO_ENABLED=0 lab-changes=$changes"
build_once traefik "$want" build
echo "$TOOLCHAIN_CACHE/bin/traefik"
