#!/usr/bin/env bash
# Makes what `traffic: traefik` needs on a machine with no image registry and no GitHub, and prints the
# stack config that uses them, one `key=value` a line:
#   rollout-lab:traefik.image=rollout-lab/traefik:<version>-<hash>   FROM the debootstrap base image, with
#                                      the binary scripts/traefik.sh builds (toolchain/traefik-image)
#   rollout-lab:gatewayApi.crds=<file>        the Gateway API's standard CRDs, from the
#                                      sigs.k8s.io/gateway-api module of the same version as the
#                                      release's standard-install.yaml (config/crd/standard, concatenated)
#   rollout-lab:traefik.crds=<file>           Traefik's own CRDs (TraefikService and the rest; canary.sticky
#                                      reads them), from the Traefik module of the binary's version
#                                      (docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml)
# e.g.  scripts/traefik-image.sh | while IFS== read -r k v; do pulumi config set --path "$k" "$v"; done
#       (and list the image in kind.loadImages, so kind puts it in the nodes).
# A laptop needs none of this: the defaults pull traefik:v3.7.13 and download the release's YAML.
#
# Environment: BASE_IMAGE (default rollout-lab/debian-base:bookworm, scripts/base-image.sh),
# TRAEFIK_BIN (a static Traefik binary instead of scripts/traefik.sh's), GATEWAY_API_VERSION (v1.6.1),
# ROLLOUT_LAB_TOOLCHAIN_DIR. Progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
base="${BASE_IMAGE:-rollout-lab/debian-base:bookworm}"
gateway_api="${GATEWAY_API_VERSION:-v1.6.1}"
log() { printf '[traefik-image %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker daemon (is dockerd running?)"
docker image inspect "$base" >/dev/null 2>&1 || die "base image $base not found: build it with scripts/base-image.sh, or set BASE_IMAGE"

bin="${TRAEFIK_BIN:-$("$root/scripts/traefik.sh")}"
[[ -x "$bin" ]] || die "$bin is not an executable"
if command -v file >/dev/null 2>&1 && ! file -L "$bin" | grep -q 'statically linked'; then
    die "$bin is dynamically linked (build it with CGO_ENABLED=0, as scripts/traefik.sh does)"
fi
version="$("$bin" version 2>/dev/null | awk '/^Version:/ {print $2}')"
[[ -n "$version" ]] || die "$bin version printed no version"

work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-traefik-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$root/toolchain/traefik-image/Dockerfile" "$bin" "$work/"
hash="$( (docker image inspect --format '{{.Id}}' "$base"; sha256sum "$work/Dockerfile" "$work/traefik" | cut -d' ' -f1) | sha256sum | cut -c1-10)"
image="rollout-lab/traefik:v${version}-${hash}"
if docker image inspect "$image" >/dev/null 2>&1; then
    log "$image: there already"
else
    log "$image: docker build ..."
    docker build -q --build-arg "BASE_IMAGE=$base" -t "$image" "$work" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; die "docker build failed"; }
    log "$image: built"
fi

crds="$cache/gateway-api/${gateway_api}-standard-install.yaml"
if [[ ! -s "$crds" ]]; then
    dir="$(go mod download -json "sigs.k8s.io/gateway-api@$gateway_api" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    mkdir -p "$(dirname "$crds")"
    for f in "$dir"/config/crd/standard/*.yaml; do
        printf -- '---\n'
        cat "$f"
    done > "$crds.tmp"
    mv "$crds.tmp" "$crds"
    log "Gateway API $gateway_api standard CRDs: $crds ($(grep -c '^kind: CustomResourceDefinition' "$crds") CRDs)"
fi
traefik_crds="$cache/traefik/v${version}-crd-definition-v1.yml"
if [[ ! -s "$traefik_crds" ]]; then
    dir="$(go mod download -json "github.com/traefik/traefik/v3@v$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    mkdir -p "$(dirname "$traefik_crds")"
    cp "$dir/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml" "$traefik_crds.tmp"
    chmod u+w "$traefik_crds.tmp"
    mv "$traefik_crds.tmp" "$traefik_crds"
    log "Traefik v$version CRDs: $traefik_crds ($(grep -c '^kind: CustomResourceDefinition' "$traefik_crds") CRDs)"
fi
echo "rollout-lab:traefik.image=$image"
echo "rollout-lab:gatewayApi.crds=$crds"
echo "rollout-lab:traefik.crds=$traefik_crds"
