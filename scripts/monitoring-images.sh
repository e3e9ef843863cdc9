#!/usr/bin/env bash
# Builds the monitoring images locally, for machines that cannot pull prom/prometheus, prom/node-exporter
# or gcr.io/cadvisor/cadvisor:
#   rollout-lab/prometheus:<tag>     Debian's prometheus package          (monitoring/images/prometheus)
#   rollout-lab/node-exporter:<tag>  Debian's prometheus-node-exporter    (monitoring/images/node-exporter)
#   rollout-lab/cadvisor:<tag>       the project's cAdvisor build         (monitoring/images/cadvisor,
#                                    binary from scripts/cadvisor.sh)
# With --kubernetes, Prometheus is instead
#   rollout-lab/prometheus-kubernetes:<tag>  built from its Go module with Kubernetes service discovery
#                                    (monitoring/images/prometheus-kubernetes, binary from
#                                    scripts/prometheus.sh): Debian's package has no Kubernetes discovery
# and prints on stdout the stack config that uses them, one `key=value` a line:
#   rollout-lab:monitoring.images.prometheus=rollout-lab/prometheus:<tag>   (and nodeExporter, cadvisor)
# e.g.  scripts/monitoring-images.sh | while IFS== read -r k v; do pulumi config set --path "$k" "$v"; done
# Grafana is not among them (it cannot be built here): set `monitoring.grafana: false` with these.
#
# <tag> is a hash of the base image's id and of the build context (Dockerfile, and the cAdvisor binary):
# an image whose tag exists is reused, so a second run with nothing changed builds nothing.
#
# Environment:
#   BASE_IMAGE    image to build FROM (default rollout-lab/debian-base:bookworm, scripts/base-image.sh);
#                 it needs a working apt (Debian bookworm or newer)
#   CADVISOR_BIN  a cAdvisor binary to use instead of building one with scripts/cadvisor.sh; it must be
#                 statically linked (it runs in any image)
#   PROMETHEUS_BIN  (--kubernetes) a static Prometheus binary to use instead of scripts/prometheus.sh's
# Options:
#   --kubernetes  the images for the lab's Kubernetes monitoring (kind): Prometheus from its Go module
#   --force       rebuild every image, without Docker's build cache
# Progress, with timings, goes to stderr; a failed build prints the end of its log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="${BASE_IMAGE:-rollout-lab/debian-base:bookworm}"
force=false kubernetes=false
for arg in "$@"; do
    case "$arg" in
        --force) force=true ;;
        --kubernetes) kubernetes=true ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "monitoring-images: unknown option $arg (--kubernetes, --force, --help)" >&2; exit 2 ;;
    esac
done

started=$(date +%s)
log() { printf '[monitoring-images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker daemon (is dockerd running?)"
docker image inspect "$base" >/dev/null 2>&1 \
    || die "base image $base not found: build it with scripts/base-image.sh, or set BASE_IMAGE"
base_id="$(docker image inspect --format '{{.Id}}' "$base")"

work="$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-monitoring-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# static_binary <name> <override variable>: the binary <override> names, else the one
# scripts/<name>.sh builds (a Go build: the only step that can take minutes when nothing is cached);
# it must be static, since it is copied into an image whatever that image's libc.
static_binary() {
    local name="$1" override="${!2:-}" bin step
    if [[ -n "$override" ]]; then
        bin="$override"
        log "$name: using $2=$bin"
    else
        step=$(date +%s)
        log "$name: scripts/$name.sh ..."
        bin="$("$root/scripts/$name.sh")"
        log "$name: binary $bin ($(( $(date +%s) - step ))s)"
    fi
    [[ -x "$bin" ]] || die "$name: $bin is not an executable"
    if command -v file >/dev/null 2>&1 && ! file -L "$bin" | grep -q 'statically linked'; then
        die "$name: $bin is dynamically linked, it would need the build host's libc in the image (build it with CGO_ENABLED=0, as scripts/$name.sh does)"
    fi
    printf '%s\n' "$bin"
}
cadvisor_bin="$(static_binary cadvisor CADVISOR_BIN)"
if $kubernetes; then
    prometheus_bin="$(static_binary prometheus PROMETHEUS_BIN)"
fi
# build <name> <config key> <version command...>: builds monitoring/images/<name> (context in $work,
# never in the repo) unless its tag exists, checks the binary runs in it, and records the override line.
overrides=()
build() {
    local name="$1" key="$2"
    shift 2
    local context="$work/$name"
    mkdir -p "$context"
    cp "$root/monitoring/images/$name/Dockerfile" "$context/"
    if [[ "$name" == cadvisor ]]; then
        cp "$cadvisor_bin" "$context/cadvisor"
        chmod 0755 "$context/cadvisor"
    fi
    if [[ "$name" == prometheus-kubernetes ]]; then
        cp "$prometheus_bin" "$context/prometheus"
        chmod 0755 "$context/prometheus"
    fi
    local tag
    tag="$( { echo "$base_id"; (cd "$context" && find . -type f | LC_ALL=C sort | xargs sha256sum); } | sha256sum | cut -c1-12)"
    local image="rollout-lab/$name:$tag"
    if ! $force && docker image inspect "$image" >/dev/null 2>&1; then
        log "$name: $image exists, reused"
    else
        local step replaced
        step=$(date +%s)
        replaced="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
        log "$name: building $image FROM $base (log: $work/$name.log) ..."
        local cache=()
        $force && cache=(--no-cache)
        if ! docker build ${cache[@]+"${cache[@]}"} --build-arg "BASE_IMAGE=$base" \
                --label "rollout-lab.built-by=scripts/monitoring-images.sh" \
                -t "$image" "$context" >"$work/$name.log" 2>&1; then
            tail -n 40 "$work/$name.log" >&2
            die "$name: docker build failed"
        fi
        log "$name: built in $(( $(date +%s) - step ))s"
        # A --force rebuild leaves the previous image untagged: remove it unless a container still uses it.
        if [[ -n "$replaced" && "$replaced" != "$(docker image inspect --format '{{.Id}}' "$image")" ]]; then
            docker rmi "$replaced" >/dev/null 2>&1 || true
        fi
    fi
    local version
    version="$(docker run --rm --network none "$image" "$@" 2>&1)" || die "$name: $image does not run: $version"
    version="${version%%$'\n'*}"
    log "$name: $image, $(docker image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1000000 }'): $version"
    overrides+=("rollout-lab:monitoring.images.$key=$image")
}

if $kubernetes; then
    build prometheus-kubernetes prometheus --version
else
    build prometheus prometheus --version
fi
build node-exporter nodeExporter --version
build cadvisor cadvisor --version

log "done in $(( $(date +%s) - started ))s; Grafana is not built here: use these with monitoring.grafana: false"
printf '%s\n' "${overrides[@]}"
