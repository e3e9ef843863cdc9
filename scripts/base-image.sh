#!/usr/bin/env bash
# Builds the local Docker base image rollout-lab/debian-base:bookworm from Debian bookworm, with
# `debootstrap --variant=minbase` and `docker import`, for machines that cannot pull from Docker Hub.
# The result is a plain Debian image with a working /etc/apt/sources.list, so `apt-get update &&
# apt-get install -y nodejs` works in it (that is what app/Dockerfile does when the base has no npm).
#
# Idempotent: if the image already exists, it does nothing. Needs root, debootstrap and a running
# Docker daemon.
#
# Settings (environment):
#   DEBIAN_MIRROR           Debian archive to bootstrap from and to put in the image's sources.list
#                           (default: http://deb.debian.org/debian, the mirror apt uses on the lab machine)
#   DEBIAN_SECURITY_MIRROR  archive for bookworm-security (default: http://deb.debian.org/debian-security)
#   BASE_IMAGE_TAG          image to build (default: rollout-lab/debian-base:bookworm)
#   EXTRA_CA_DIR            extra CA certificates (*.crt, PEM) the image should trust, e.g. a TLS-inspecting
#                           proxy's between the build and registry.npmjs.org (default:
#                           /usr/local/share/ca-certificates, the host's own extra CAs). They go to
#                           /usr/local/share/ca-certificates/ in the image and NODE_EXTRA_CA_CERTS points
#                           Node.js (and npm) at them, so images built FROM this base need no build arg.
#
# Usage: sudo scripts/base-image.sh
set -euo pipefail

SUITE=bookworm
IMAGE="${BASE_IMAGE_TAG:-rollout-lab/debian-base:${SUITE}}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_MIRROR="${DEBIAN_MIRROR%/}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR%/}"

log() { printf '[base-image %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

started=$(date +%s)
step_started=$started
step() { step_started=$(date +%s); log "$*"; }
step_done() { log "  done in $(( $(date +%s) - step_started ))s"; }

# --- Checks -------------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run as root (sudo $0)"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (apt-get install -y debootstrap)"
command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot reach the Docker daemon (is dockerd running?)"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "$IMAGE already exists ($(docker image inspect -f '{{.Id}}' "$IMAGE")); nothing to do"
    log "to rebuild: docker rmi $IMAGE && $0"
    exit 0
fi

log "building $IMAGE: Debian $SUITE (minbase) from $DEBIAN_MIRROR"

# --- Temp folder, always cleaned up ----------------------------------------------------------------
workdir=$(mktemp -d "${TMPDIR:-/tmp}/rollout-lab-base.XXXXXX")
rootfs="$workdir/rootfs"

cleanup() {
    local rc=$?
    # debootstrap mounts proc/sys (and, in some containers, binds /dev nodes) inside the target; if it
    # died half-way they can still be mounted. Unmount them, deepest first, before deleting anything.
    if [ -d "$rootfs" ]; then
        awk -v root="$rootfs" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts \
            | sort -r | while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
    fi
    rm -rf --one-file-system "$workdir"
    log "removed temp folder $workdir"
    if [ "$rc" -ne 0 ]; then
        log "FAILED after $(( $(date +%s) - started ))s (exit $rc)" >&2
    fi
}
trap cleanup EXIT

# --- 1. debootstrap --------------------------------------------------------------------------------
include=()
case "$DEBIAN_MIRROR" in
    # apt speaks https itself, but minbase has no CA certificates to check the mirror with.
    https://*) include=(--include=ca-certificates) ;;
esac
step "debootstrap --variant=minbase ${include[*]+${include[*]} }$SUITE into $rootfs (log: $workdir/debootstrap.log)"
if ! debootstrap --variant=minbase ${include[@]+"${include[@]}"} "$SUITE" "$rootfs" "$DEBIAN_MIRROR" \
        >"$workdir/debootstrap.log" 2>&1; then
    tail -n 30 "$workdir/debootstrap.log" >&2
    [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
fi
step_done

# --- 2. Configure the rootfs -----------------------------------------------------------------------
step "configuring apt sources and container defaults"
# debootstrap writes only "deb <mirror> bookworm main"; add updates and security, like the official image.
cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $SUITE main
deb $DEBIAN_MIRROR $SUITE-updates main
deb $DEBIAN_SECURITY_MIRROR $SUITE-security main
EOF
# Don't start services from package postinst scripts in a container (as the official image does).
cat >"$rootfs/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
exit 101
EOF
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
# Don't keep downloaded .debs in image layers.
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
# The host's extra CAs, for Node.js: npm trusts NODE_EXTRA_CA_CERTS on top of its own bundle.
extra_ca_dir="${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}"
node_ca_env=()
if compgen -G "$extra_ca_dir/*.crt" >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cat "$extra_ca_dir"/*.crt >"$rootfs/usr/local/share/ca-certificates/rollout-lab-extra.pem"
    node_ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/rollout-lab-extra.pem')
    log "  trusting the extra CAs of $extra_ca_dir: $(cd "$extra_ca_dir" && echo *.crt)"
fi
# Nothing host-specific or cached in the image: package lists, .debs, logs, the build host's name.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
       "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log "$rootfs"/tmp/* "$rootfs"/var/tmp/*
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"
step_done

# --- 3. docker import ------------------------------------------------------------------------------
step "docker import into $IMAGE"
# /dev, /proc and /sys stay as empty folders: Docker mounts its own at run time.
tar --numeric-owner --xattrs -C "$rootfs" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf - . \
    | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        ${node_ca_env[@]+"${node_ca_env[@]}"} \
        --change 'CMD ["bash"]' \
        --message "debootstrap --variant=minbase $SUITE $DEBIAN_MIRROR" \
        - "$IMAGE" >/dev/null
step_done

# --- 4. Smoke check --------------------------------------------------------------------------------
step "checking that the image runs"
docker run --rm --network none "$IMAGE" sh -c '. /etc/os-release && echo "  $PRETTY_NAME, apt $(apt-get --version | head -n1 | cut -d" " -f2)"'
step_done

log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1000000 }')) in $(( $(date +%s) - started ))s"
