#!/usr/bin/env bash
# scripts/kind-node.sh — build kind and a kind node image with no image registry: every binary from
# Go modules through the module proxy, every image from Debian packages, all cached outside the repo
# and reused on the next run. Nothing comes from a source archive or any other repository.
#
# Only for machines that cannot pull kindest/node. On a laptop none of this is needed: the stock
# `kind` and its default node image work, and the lab's stack config leaves kind.nodeImage unset.
#
# No kindnetd: it is not a module the proxy serves (it lives in kind's images/kindnetd, its own
# go.mod) and it needs sigs.k8s.io/kube-network-policies v1.1.2, which the proxy refuses (it serves
# only v0.7.0 and v0.8.0). Clusters on this node image set `networking.disableDefaultCNI: true` and
# get their pod network from rollout-lab-podnet, a service in the node image (toolchain/kind/base,
# docs/kind-pod-network.md): a bridge per node from Debian's CNI plugins plus routes between nodes.
#
# Usage:
#   scripts/kind-node.sh                 build what is missing; prints, last, the config lines
#                                        rollout-lab:kind.nodeImage=..., rollout-lab:kind.podNetwork=bridge
#                                        (the image has no kindnetd) and kind=<the kind binary>
#   scripts/kind-node.sh --binaries      only the Go builds (no Docker daemon needed)
#   scripts/kind-node.sh --check         build nothing: exit 0 if the node image and kind are cached
#   scripts/kind-node.sh --print-path    print only the folder holding kind (and kubectl)
#   scripts/kind-node.sh --force         rebuild every step
#
# Steps (each with a stamp; a step runs again only when its inputs change):
#   kind           sigs.k8s.io/kind at KIND_VERSION, with toolchain/kind/kind-no-sys-resource.patch
#   kubernetes     kubeadm, kubelet, kubectl and the control-plane binaries from k8s.io/kubernetes
#   crictl coredns local-path-provisioner etcd pause
#   base-image     kind's node base image: kind's own images/base/files (from the kind module) on
#                  Debian bookworm with Debian's containerd, runc and CNI plugins, plus toolchain/kind/base/
#                  (among them rollout-lab-podnet, the pod network that stands in for kindnetd)
#   images         the control-plane and add-on images, tagged as kubeadm and kind ask for them; kindnetd's
#                  name is an empty placeholder image (see below)
#   tarball        a kubernetes-server-linux-amd64.tar.gz carrying those images
#   node-image     `kind build node-image --type file` from that tarball
#
# Environment:
#   ROLLOUT_LAB_KIND_DIR   cache (default ${XDG_CACHE_HOME:-~/.cache}/rollout-lab/kind)
#   TOOLCHAIN_GOCACHE      Go build cache (default: the Pulumi toolchain's, shared)
#   KIND_NODE_GO_BUILD_P   go build -p (default 2)
#   BASE_IMAGE_TAG         the Debian base image (default rollout-lab/debian-base:bookworm, made by
#                          scripts/base-image.sh when missing)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KIND_FILES="$REPO_ROOT/toolchain/kind"
CACHE="${ROLLOUT_LAB_KIND_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/kind}"
BIN="$CACHE/bin" SRC="$CACHE/src" LOGS="$CACHE/logs" STAMPS="$CACHE/stamps" WORK="$CACHE/work"
export GOCACHE="${TOOLCHAIN_GOCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain/go-build}"
export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local
GO_P="${KIND_NODE_GO_BUILD_P:-2}"
BASE_IMAGE="${BASE_IMAGE_TAG:-rollout-lab/debian-base:bookworm}"

# What is built. Kubernetes' own pins (kubeadm's constants) decide etcd, CoreDNS and pause; kind's
# decide local-path-* and the kindnetd name the placeholder carries. `--check` and the stamps compare
# against these.
KIND_VERSION=v0.33.0
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.7.0 ETCD_TAG=3.7.0-0
COREDNS_VERSION=v1.14.6
PAUSE_TAG=3.10.2
CRICTL_VERSION=v1.37.0
LPP_VERSION=v0.0.30
KINDNETD_TAG=v20260820-69b56db7 LPP_TAG=v20260820-69b56db7 LPH_TAG=v20260131-7181c60a
NODE_IMAGE="rollout-lab/kind-node:${K8S_VERSION}"

MODE=all FORCE=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binaries) MODE=binaries ;;
    --check) MODE=check ;;
    --print-path) MODE=print-path ;;
    --force) FORCE=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kind-node: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $MODE == print-path ]]; then echo "$BIN"; exit 0; fi

mkdir -p "$BIN" "$SRC" "$LOGS" "$STAMPS" "$WORK"
log() { printf '[kind-node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

SUMMARY=()
sum_line() { SUMMARY+=("$(printf '%-24s %-8s %6ss  %s' "$1" "$2" "$3" "$4")"); }

hash_files() { cat "$@" | sha256sum | cut -c1-16; }
stamp_ok() { [[ $FORCE == 0 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }

# step NAME KEY SOURCE-DESCRIPTION FUNCTION: runs FUNCTION unless NAME's stamp equals KEY. Output goes
# to $LOGS/NAME.log; the last lines are shown if it fails.
step() {
  local name=$1 key=$2 what=$3 fn=$4 t0 rc
  if stamp_ok "$name" "$key"; then sum_line "$name" cached 0 "$what"; return 0; fi
  if [[ $MODE == check ]]; then sum_line "$name" MISSING 0 "$what"; MISSING=1; return 0; fi
  log "$name: building ($what; log: $LOGS/$name.log)"
  t0=$(date +%s)
  set +e
  ( set -euo pipefail; "$fn" ) >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  if [[ $rc != 0 ]]; then
    tail -n 30 "$LOGS/$name.log" >&2
    sum_line "$name" FAILED "$(( $(date +%s) - t0 ))" "$what"
    print_summary
    die "$name failed (exit $rc); whole log: $LOGS/$name.log"
  fi
  echo "$key" > "$STAMPS/$name"
  sum_line "$name" built "$(( $(date +%s) - t0 ))" "$what"
  log "$name: done in $(( $(date +%s) - t0 ))s"
}

print_summary() {
  log "summary (cache $CACHE):"
  printf '  %-24s %-8s %7s  %s\n' step state time source >&2
  local l; for l in "${SUMMARY[@]}"; do printf '  %s\n' "$l" >&2; done
}

# mod_dir MODULE@VERSION: the module's folder in the module cache (downloading it if needed).
mod_dir() { go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))'; }

# writable_copy MODULE@VERSION DEST: a fresh writable copy of a module's source.
writable_copy() {
  local dir; dir=$(mod_dir "$1")
  rm -rf "$2"; mkdir -p "$(dirname "$2")"; cp -r "$dir" "$2"; chmod -R u+w "$2"
}

# --- Go builds ---------------------------------------------------------------------------------
build_kind() {
  writable_copy "sigs.k8s.io/kind@$KIND_VERSION" "$SRC/kind"
  (cd "$SRC/kind" && patch -p1 < "$KIND_FILES/kind-no-sys-resource.patch")
  (cd "$SRC/kind" && go build -p "$GO_P" -trimpath -ldflags "-s -w" -o "$BIN/kind" .)
  "$BIN/kind" version
}

build_kubernetes() {
  local s="$SRC/kubernetes"
  writable_copy "k8s.io/kubernetes@$K8S_VERSION" "$s"
  # The module's go.mod points its staging modules at ./staging (a go.work checkout); use the
  # published modules of the same release instead.
  rm -f "$s/go.work" "$s/go.work.sum"
  sed -i -E "s#^([[:space:]]*)(k8s\.io/[a-z0-9-]+) => \./staging/src/k8s\.io/[a-z0-9-]+#\1\2 => \2 $K8S_STAGING_VERSION#" "$s/go.mod"
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  cd "$s"
  GOFLAGS=-mod=mod go build -p "$GO_P" -trimpath -ldflags "$ld" -o "$BIN/" \
    ./cmd/kubectl ./cmd/kubeadm ./cmd/kubelet ./cmd/kube-apiserver ./cmd/kube-controller-manager \
    ./cmd/kube-scheduler ./cmd/kube-proxy
  "$BIN/kubeadm" version -o short
}

build_crictl() {
  GOBIN="$BIN" go install -p "$GO_P" -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
}

build_coredns() {
  GOBIN="$BIN" go install -p "$GO_P" -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
}

build_lpp() {
  GOBIN="$BIN" go install -p "$GO_P" -trimpath -ldflags "-s -w" "github.com/rancher/local-path-provisioner@$LPP_VERSION"
}

# etcd's go.mod files replace their sibling modules with ../ paths, which `go install m@v` refuses:
# build from a copy whose replaces name the published modules of the same version.
build_etcd() {
  local m out
  for m in server etcdctl; do
    writable_copy "go.etcd.io/etcd/$m/v3@$ETCD_VERSION" "$SRC/etcd-$m"
    sed -i -E "s#(go\.etcd\.io/etcd/[a-z/0-9]+/v3) => \.\./[a-z/0-9.]+#\1 => \1 $ETCD_VERSION#" "$SRC/etcd-$m/go.mod"
    out=etcdctl; [[ $m == server ]] && out=etcd
    (cd "$SRC/etcd-$m" && GOFLAGS=-mod=mod go build -p "$GO_P" -trimpath -ldflags "-s -w" -o "$BIN/$out" .)
  done
  "$BIN/etcd" --version | head -1
}

# The pause container is a few lines of C in the Kubernetes tree; static, so it runs FROM scratch.
build_pause() {
  command -v gcc >/dev/null || { echo "gcc not found (apt-get install -y gcc libc6-dev)"; return 1; }
  gcc -Os -Wall -static -DVERSION="v$PAUSE_TAG" -o "$BIN/pause" "$(mod_dir "k8s.io/kubernetes@$K8S_VERSION")/build/pause/linux/pause.c"
  strip "$BIN/pause" || true
}

MISSING=0
patch_hash=$(hash_files "$KIND_FILES/kind-no-sys-resource.patch")
step kind "$KIND_VERSION $patch_hash" "sigs.k8s.io/kind@$KIND_VERSION + patch" build_kind
step kubernetes "$K8S_VERSION" "k8s.io/kubernetes@$K8S_VERSION (7 binaries)" build_kubernetes
step crictl "$CRICTL_VERSION" "sigs.k8s.io/cri-tools@$CRICTL_VERSION" build_crictl
step coredns "$COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION" build_coredns
step local-path-provisioner "$LPP_VERSION" "github.com/rancher/local-path-provisioner@$LPP_VERSION" build_lpp
step etcd "$ETCD_VERSION" "go.etcd.io/etcd/{server,etcdctl}/v3@$ETCD_VERSION" build_etcd
step pause "$PAUSE_TAG $K8S_VERSION" "build/pause/linux/pause.c of k8s.io/kubernetes@$K8S_VERSION" build_pause

if [[ $MODE == binaries ]]; then print_summary; exit 0; fi
# --- Images --------------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if [[ $MODE == check ]]; then sum_line node-image MISSING 0 "no Docker daemon to look in"; print_summary; exit 1; fi
  die "cannot reach the Docker daemon (is dockerd running?)"
fi
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null | cut -c8-19; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have_image "$BASE_IMAGE"; then
  if [[ $MODE == check ]]; then sum_line debian-base MISSING 0 "$BASE_IMAGE"; MISSING=1
  else log "$BASE_IMAGE is missing: building it (scripts/base-image.sh)"; bash "$REPO_ROOT/scripts/base-image.sh" >&2; fi
fi
base_id=$(image_id "$BASE_IMAGE" || true)

# An image step is current when its stamp matches and its image still exists.
image_step() { # name image key what fn
  if ! have_image "$2"; then rm -f "$STAMPS/$1"; fi
  step "$1" "$3" "$4" "$5"
}

KIND_BASE_IMAGE="rollout-lab/kind-base:${KIND_VERSION}"
build_base_image() {
  local ctx="$WORK/base-context" kind_files="$SRC/kind/images/base/files"
  [[ -d $kind_files ]] || { echo "kind's images/base/files not found in $SRC/kind"; return 1; }
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -r "$kind_files" "$ctx/files"
  cp -r "$KIND_FILES/base/files/." "$ctx/files/"
  cp "$KIND_FILES/base/Dockerfile" "$ctx/Dockerfile"
  cp "$BIN/crictl" "$ctx/crictl"
  # Debian's containerd has no fuse-overlayfs snapshotter (kind uses it only rootless), and pods
  # cannot lower their OOM score without CAP_SYS_RESOURCE; the sandbox image is the pause kubeadm pins.
  python3 - "$ctx/files/etc/containerd/config.toml" "$PAUSE_TAG" <<'EOF'
import re, sys
path, pause = sys.argv[1], sys.argv[2]
text = open(path).read()
text, n1 = re.subn(r'\[proxy_plugins\]\n(#[^\n]*\n)?\[proxy_plugins\."fuse-overlayfs"\]\n(  [^\n]*\n)+', '', text)
text, n2 = re.subn(r'restrict_oom_score_adj = false', 'restrict_oom_score_adj = true', text)
text, n3 = re.subn(r'sandbox_image = "registry\.k8s\.io/pause:[^"]*"', f'sandbox_image = "registry.k8s.io/pause:{pause}"', text)
if (n1, n2, n3) != (1, 1, 1):
    sys.exit(f"containerd config.toml changed upstream: edits matched {(n1, n2, n3)}, expected (1, 1, 1)")
open(path, "w").write(text)
EOF
  rm -f "$ctx/files/etc/systemd/system/containerd-fuse-overlayfs.service"
  # The fixup runs in kind's entrypoint just before it validates and fixes the node.
  grep -q '^# validate state$' "$ctx/files/usr/local/bin/entrypoint" || { echo "kind's entrypoint changed: no '# validate state' line"; return 1; }
  sed -i 's|^# validate state$|# rollout-lab: make an unprivileged node look privileged enough (no-op when privileged)\n/usr/local/bin/rollout-lab-node-fixup\n\n# validate state|' \
    "$ctx/files/usr/local/bin/entrypoint"
  DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$KIND_BASE_IMAGE" "$ctx"
}

# Images kubeadm and kind run, built from the binaries above, tagged rollout-lab/kind-img-*; the
# tarball step gives them the registry names kubeadm and kind ask for.
IMG_BASE="rollout-lab/kind-img-base:bookworm"
declare -A IMAGE_NAMES=(
  [kube-apiserver]="registry.k8s.io/kube-apiserver:$K8S_VERSION"
  [kube-controller-manager]="registry.k8s.io/kube-controller-manager:$K8S_VERSION"
  [kube-scheduler]="registry.k8s.io/kube-scheduler:$K8S_VERSION"
  [kube-proxy]="registry.k8s.io/kube-proxy:$K8S_VERSION"
  [etcd]="registry.k8s.io/etcd:$ETCD_TAG"
  [coredns]="registry.k8s.io/coredns/coredns:$COREDNS_VERSION"
  [pause]="registry.k8s.io/pause:$PAUSE_TAG"
  [kindnetd]="docker.io/kindest/kindnetd:$KINDNETD_TAG"
  [local-path-provisioner]="docker.io/kindest/local-path-provisioner:$LPP_TAG"
  [local-path-helper]="docker.io/kindest/local-path-helper:$LPH_TAG"
)
local_name() { echo "rollout-lab/kind-img-$1:${IMAGE_NAMES[$1]##*:}"; }

build_images() {
  local ctx="$WORK/images-context" name
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$KIND_FILES/images/Dockerfile.base" "$KIND_FILES/images/iptables-wrapper" "$ctx/"
  DOCKER_BUILDKIT=0 docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -f "$ctx/Dockerfile.base" -t "$IMG_BASE" "$ctx"
  cp "$BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy,etcd,etcdctl,coredns,pause,local-path-provisioner} "$ctx/"
  one() { # name dockerfile-lines...
    local n=$1; shift
    printf '%s\n' "$@" > "$ctx/Dockerfile.$n"
    DOCKER_BUILDKIT=0 docker build -q -f "$ctx/Dockerfile.$n" -t "$(local_name "$n")" "$ctx" >/dev/null
    echo "built $(local_name "$n") for ${IMAGE_NAMES[$n]}"
  }
  for name in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    one "$name" "FROM $IMG_BASE" "COPY $name /usr/local/bin/$name" "ENTRYPOINT [\"/usr/local/bin/$name\"]"
  done
  one etcd "FROM $IMG_BASE" "COPY etcd etcdctl /usr/local/bin/" "CMD [\"/usr/local/bin/etcd\"]"
  one coredns "FROM $IMG_BASE" "COPY coredns /coredns" "EXPOSE 53 53/udp" "ENTRYPOINT [\"/coredns\"]"
  one pause "FROM scratch" "COPY pause /pause" "USER 65535:65535" "ENTRYPOINT [\"/pause\"]"
  # kind build node-image pulls every image kind's defaults name unless the tarball carries it, and
  # kindnetd is not built here: an empty image under its name stops the pull (one small file, as
  # docker cannot save an image with no layer). With disableDefaultCNI it never runs; if a cluster
  # forgets that, kindnet's pods fail on the missing command (visibly) while rollout-lab-podnet still
  # gives the pods their network.
  echo "placeholder: kindnetd is not built for this node image (docs/kind-pod-network.md)" > "$ctx/PLACEHOLDER"
  one kindnetd "FROM scratch" "COPY PLACEHOLDER /PLACEHOLDER" "CMD [\"/kindnetd-is-not-in-this-image\"]"
  one local-path-provisioner "FROM $IMG_BASE" "COPY local-path-provisioner /usr/local/bin/local-path-provisioner" \
    "ENTRYPOINT [\"/usr/local/bin/local-path-provisioner\"]"
  one local-path-helper "FROM $IMG_BASE"
}

# kind build node-image --type file takes a Kubernetes server tarball: the node binaries and four
# image archives (apiserver, controller-manager, scheduler, kube-proxy). Every other image it would
# fetch from a registry unless an archive's tags name it. kind reads an archive's tags from whichever
# of manifest.json and repositories comes first in it, while containerd imports every image
# manifest.json lists: so kube-proxy.tar carries all the add-on images, with a repositories file first
# that names every one of them by its full name.
TARBALL="$WORK/kubernetes-server-linux-amd64.tar.gz"
build_tarball() {
  local t="$WORK/tarball" bin name tags=()
  rm -rf "$t"; mkdir -p "$t/kubernetes/server/bin"; bin="$t/kubernetes/server/bin"
  printf '%s' "$K8S_VERSION" > "$t/kubernetes/version"
  cp "$BIN"/{kubeadm,kubelet,kubectl} "$bin/"
  for name in "${!IMAGE_NAMES[@]}"; do docker tag "$(local_name "$name")" "${IMAGE_NAMES[$name]}"; done
  for name in kube-apiserver kube-controller-manager kube-scheduler; do
    docker save -o "$bin/$name.tar" "${IMAGE_NAMES[$name]}"
    printf '%s\n' "$K8S_VERSION" > "$bin/$name.docker_tag"
  done
  printf '%s\n' "$K8S_VERSION" > "$bin/kube-proxy.docker_tag"
  for name in kube-proxy etcd coredns pause kindnetd local-path-provisioner local-path-helper; do tags+=("${IMAGE_NAMES[$name]}"); done
  rm -rf "$t/kube-proxy"; mkdir "$t/kube-proxy"
  docker save "${tags[@]}" | tar -C "$t/kube-proxy" -x
  for name in "${!IMAGE_NAMES[@]}"; do docker rmi "${IMAGE_NAMES[$name]}" >/dev/null; done
  python3 - "$t/kube-proxy" "${IMAGE_NAMES[kube-proxy]}" <<'EOF'
import json, os, sys
folder, kube_proxy = sys.argv[1], sys.argv[2]
manifest = json.load(open(os.path.join(folder, "manifest.json")))
def full(tag):  # docker save writes docker.io/kindest/x as kindest/x; kind compares full names
    return tag if "." in tag.split("/")[0] else "docker.io/" + tag
manifest.sort(key=lambda entry: 0 if kube_proxy in entry.get("RepoTags", []) else 1)
assert manifest and kube_proxy in manifest[0].get("RepoTags", []), f"{kube_proxy} not in the saved archive"
json.dump(manifest, open(os.path.join(folder, "manifest.json"), "w"))
repositories = {}
for entry in manifest:
    for tag in entry["RepoTags"]:
        repo, version = full(tag).rsplit(":", 1)
        repositories.setdefault(repo, {})[version] = os.path.basename(entry["Config"]).split(".")[0]
json.dump(repositories, open(os.path.join(folder, "repositories"), "w"))
print("kube-proxy.tar:", ", ".join(f"{r}:{v}" for r, vs in repositories.items() for v in vs))
EOF
  local rest=() f
  for f in "$t/kube-proxy"/*; do
    f=${f##*/}; [[ $f == repositories || $f == manifest.json ]] || rest+=("$f")
  done
  (cd "$t/kube-proxy" && tar -cf "$bin/kube-proxy.tar" repositories manifest.json "${rest[@]}")
  rm -rf "$t/kube-proxy"
  tar -C "$t" -czf "$TARBALL" kubernetes
  rm -rf "$t"
  ls -la "$TARBALL"
}

build_node_image() {
  [[ -f $TARBALL ]] || { echo "missing $TARBALL"; return 1; }
  KIND_EXPERIMENTAL_NO_SYS_RESOURCE=1 "$BIN/kind" build node-image --type file \
    --base-image "$KIND_BASE_IMAGE" --image "$NODE_IMAGE" "$TARBALL"
  # build node-image leaves its build container's anonymous volumes behind on some Docker versions.
  docker image inspect -f '{{.Size}}' "$NODE_IMAGE"
}

base_files_hash=$(cd "$KIND_FILES/base" && find . -type f | sort | xargs cat | sha256sum | cut -c1-16)
images_hash=$(hash_files "$KIND_FILES/images/Dockerfile.base" "$KIND_FILES/images/iptables-wrapper" "${BASH_SOURCE[0]}")
image_step base-image "$KIND_BASE_IMAGE" "$KIND_VERSION $base_files_hash $base_id $(cat "$STAMPS/crictl" 2>/dev/null)" \
  "kind images/base on $BASE_IMAGE" build_base_image
image_step images "$(local_name kube-proxy)" "$K8S_VERSION $images_hash $base_id" "the 10 images kubeadm and kind run" build_images
[[ -f $TARBALL ]] || rm -f "$STAMPS/tarball"
step tarball "$K8S_VERSION $images_hash $(image_id "$(local_name kube-proxy)")" "kube-proxy.tar carries the add-ons" build_tarball
image_step node-image "$NODE_IMAGE" "$(cat "$STAMPS/tarball" 2>/dev/null) $(image_id "$KIND_BASE_IMAGE")" \
  "kind build node-image --type file" build_node_image

print_summary
if [[ $MODE == check ]]; then exit "$MISSING"; fi
echo "rollout-lab:kind.nodeImage=$NODE_IMAGE"
echo "rollout-lab:kind.podNetwork=bridge"
echo "kind=$BIN/kind"
