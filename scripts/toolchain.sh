#!/usr/bin/env bash
# scripts/toolchain.sh — build the Pulumi CLI and the plugins this project needs
# from Go modules (through the Go module proxy), on a machine that reaches only
# package registries. A laptop installs Pulumi normally and needs none of this.
#
# Usage:
#   eval "$(scripts/toolchain.sh)"          # prints `export PATH=...` on stdout
#   scripts/toolchain.sh --print-path       # prints only the bin directory
#   source scripts/toolchain.sh [options]   # puts the bin directory on PATH
#
# Options:
#   --print-path   print the bin directory instead of an `export PATH=` line
#   --only a,b     only these binaries (pulumi, pulumi-resource-kubernetes,
#                  pulumi-resource-pulumi-nodejs, pulumi-language-nodejs)
#   --force        rebuild even when the cache is current
#   --strict       exit 1 if any binary is missing (default: only if pulumi is)
#   --check        build nothing: exit 0 if every binary is in the cache, else 1
#                  (the summary says which are not); CI uses it to plan its time
#   -h, --help
#
# Binaries (see toolchain/README.md):
#   pulumi                         toolchain/pulumi: github.com/pulumi/pulumi/pkg/v3,
#                                  at the version that go.mod pins
#   pulumi-resource-kubernetes     toolchain/pulumi-resource-kubernetes: a STAND-IN
#                                  commit of github.com/pulumi/pulumi-kubernetes/provider/v4
#   pulumi-resource-pulumi-nodejs  a few lines of sh written here: runs Pulumi dynamic
#                                  providers with the project's node_modules/@pulumi/pulumi
#   pulumi-language-nodejs         a few lines of sh written here: starts rollout-lab's own
#                                  Node.js language host, tools/languageHost/host.ts
# They land in
#   ${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}/bin
# and are reused on the next run (a stamp per binary records what it was built from).
#
# Environment: ROLLOUT_LAB_TOOLCHAIN_DIR, TOOLCHAIN_GOCACHE, TOOLCHAIN_GO_BUILD_P
# (go build -p, default 2), GOPROXY/GOFLAGS as usual.

# --- sourced? run ourselves as a child and export the result -----------------
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  __tc_bin="$(bash "${BASH_SOURCE[0]}" --print-path "$@")" || { unset __tc_bin; return 1; }
  case ":$PATH:" in
    *":$__tc_bin:"*) ;;
    *) export PATH="$__tc_bin:$PATH" ;;
  esac
  unset __tc_bin
  return 0
fi

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC_DIR="$REPO_ROOT/toolchain"
CACHE="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
BIN="$CACHE/bin" SRC="$CACHE/src" LOGS="$CACHE/logs"
GO_P="${TOOLCHAIN_GO_BUILD_P:-2}"
# One Go build cache for every binary built here: the Pulumi SDK and gRPC
# compile once, not once per binary.
export GOCACHE="${TOOLCHAIN_GOCACHE:-$CACHE/go-build}"
# The checksum database reachable here does not list github.com/pulumi/*; the
# go.sum files under toolchain/ pin those hashes instead.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export CGO_ENABLED=0

ALL="pulumi pulumi-resource-kubernetes pulumi-resource-pulumi-nodejs pulumi-language-nodejs"
PRINT_PATH=0 FORCE=0 STRICT=0 CHECK=0 ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --print-path) PRINT_PATH=1 ;;
    --force) FORCE=1 ;;
    --strict) STRICT=1 ;;
    --check) CHECK=1 ;;
    --only) ONLY="${2:?--only needs a list}"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "toolchain: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for n in ${ONLY//,/ }; do
  [[ " $ALL " == *" $n "* ]] || { echo "toolchain: --only: unknown binary $n (one of: $ALL)" >&2; exit 2; }
done
wanted() { [[ -z "$ONLY" || ",$ONLY," == *",$1,"* ]]; }

mkdir -p "$BIN" "$SRC" "$LOGS"

# Everything human-readable goes to stderr; stdout carries only the result.
log()  { printf '[toolchain] %s\n' "$*" >&2; }
warn() { printf '[toolchain] WARNING: %s\n' "$*" >&2; }
now()  { date +%s; }
elapsed() { echo "$(( $(now) - $1 ))s"; }
SUMMARY=() MISSING=()
summary() { SUMMARY+=("$(printf '%-31s %-40s %-10s %s' "$1" "$2" "$3" "$4")"); }

# One build at a time per cache: a second run (another terminal, a lesson's
# setup) waits for the first instead of building the same binaries beside it.
if [[ $CHECK == 0 ]] && command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "another scripts/toolchain.sh is working in $CACHE; waiting for it to finish ..."
    flock 9
  fi
fi

# --- versions -------------------------------------------------------------------
pinned() { # pinned DIR MODULE -> the version DIR/go.mod requires
  awk -v m="$2" '$1 == "require" && $2 == m { print $3; exit } $1 == m && $2 ~ /^v/ { print $2; exit }' "$1/go.mod"
}
npm_version() { # the installed version of an npm package (fallback: package.json)
  (cd "$REPO_ROOT" && node -e '
    const fs = require("fs"), pkg = process.argv[1];
    let v = "";
    try { v = JSON.parse(fs.readFileSync("node_modules/" + pkg + "/package.json", "utf8")).version; }
    catch (e) { const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
                v = (p.dependencies || {})[pkg] || (p.devDependencies || {})[pkg] || ""; }
    process.stdout.write(String(v).replace(/^[v^~=]+/, ""));' "$1" 2>/dev/null) || true
}
CLI_MOD=github.com/pulumi/pulumi/pkg/v3
K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
CLI_V="$(pinned "$TC_DIR/pulumi" "$CLI_MOD")"
K8S_V="$(pinned "$TC_DIR/pulumi-resource-kubernetes" "$K8S_MOD")"
SDK_V="$(npm_version @pulumi/pulumi)" K8S_SDK_V="$(npm_version @pulumi/kubernetes)"
if [[ -n "$SDK_V" && "v$SDK_V" != "$CLI_V" ]]; then
  warn "toolchain/pulumi pins the CLI at $CLI_V but @pulumi/pulumi is $SDK_V: building $CLI_V;" \
    "to follow npm: cd toolchain/pulumi && GONOSUMDB=github.com/pulumi go get $CLI_MOD@v$SDK_V && go mod tidy"
fi

# --- stamps: what each cached binary was built from ----------------------------
tree_hash() { # hash of a toolchain/<name> folder (edits there rebuild)
  (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16
}
stamp_ok() { # stamp_ok NAME WANT -> 0 if BIN/NAME was built from WANT and toolchain/NAME as it is now
  local f="$BIN/.$1.stamp"
  [[ $FORCE == 0 && -x "$BIN/$1" && -f "$f" ]] &&
    grep -qx "want=$2" "$f" && grep -qx "tree=$(tree_hash "$TC_DIR/$1")" "$f"
}
write_stamp() { # write_stamp NAME WANT
  printf 'want=%s\ntree=%s\ngo=%s\nbuilt=%s\n' "$2" "$(tree_hash "$TC_DIR/$1")" \
    "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$BIN/.$1.stamp"
}
# cached NAME WANT NOTE -> 0 (and a summary line) if nothing is to be done
cached() {
  if stamp_ok "$1" "$2"; then summary "$1" "$2" cached "$3"; return 0; fi
  if [[ $CHECK == 1 ]]; then MISSING+=("$1"); summary "$1" "$2" "NOT CACHED" "(--check)"; return 0; fi
  if ! command -v go >/dev/null; then
    warn "$1: go not found, cannot build"; MISSING+=("$1"); summary "$1" "$2" MISSING "go not found"; return 0
  fi
  return 1
}

stage() { # stage NAME -> a copy of toolchain/NAME in the cache (the repo is never written to)
  local work="$SRC/$1"
  rm -rf "$work"; mkdir -p "$work"; cp -R "$TC_DIR/$1/." "$work/"
  printf '%s' "$work"
}
go_build() { # go_build WORKDIR PACKAGE NAME LDFLAGS
  (cd "$1" && nice -n 10 go build -p "$GO_P" -trimpath -ldflags "$4" -o "$BIN/$3.tmp" "$2") \
    >"$LOGS/$3.build.log" 2>&1 && mv -f "$BIN/$3.tmp" "$BIN/$3"
}
failed() { # failed NAME WANT T0 WHAT
  warn "$1: $4 failed after $(elapsed "$3"), see $LOGS/$1.*.log"
  MISSING+=("$1"); summary "$1" "$2" MISSING "$4 failed ($LOGS/$1.*.log)"
}

# --- the binaries ------------------------------------------------------------------
do_pulumi() {
  local name=pulumi want="$CLI_V" t0 work; t0=$(now)
  cached "$name" "$want" "$CLI_MOD@$want" && return
  log "$name $want: go build $CLI_MOD/cmd/pulumi (log: $LOGS/$name.build.log) ..."
  work="$(stage pulumi)"
  go_build "$work" "$CLI_MOD/cmd/pulumi" "$name" \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" ||
    { failed "$name" "$want" "$t0" "go build"; return; }
  write_stamp "$name" "$want"
  log "$name $want: built in $(elapsed "$t0")"; summary "$name" "$want" built "$CLI_MOD@$want ($(elapsed "$t0"))"
}

# The Kubernetes provider: a STAND-IN commit (the release of @pulumi/kubernetes is
# not on the module proxy; see toolchain/README.md). Its module zip lacks the
# go:generate outputs schema-embed.json and terraform-mapping-embed.json: copy the
# module out of the module cache, run the module's own generator
# (cmd/pulumi-resource-kubernetes/generate.go) on the copy, build against the copy.
do_kubernetes() {
  local name=pulumi-resource-kubernetes want="$K8S_V" t0 work mdir copy cmddir; t0=$(now)
  local note="$K8S_MOD@$want, a stand-in for @pulumi/kubernetes ${K8S_SDK_V:-?}"
  cached "$name" "$want" "$note" && return
  warn "$name: building the STAND-IN $K8S_MOD@$want, not @pulumi/kubernetes ${K8S_SDK_V:-?} (see toolchain/README.md)"
  work="$(stage "$name")" copy="$SRC/$name-module"
  mdir="$(cd "$work" && go mod download -json "$K8S_MOD@$want" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$mdir" && -d "$mdir" ]] || { failed "$name" "$want" "$t0" "go mod download"; return; }
  rm -rf "$copy"; cp -R "$mdir" "$copy"; chmod -R u+w "$copy"
  cmddir="$copy/cmd/$name"
  mkdir -p "$work/gen-schema"
  sed -e '/^\/\/go:build/d' -e '/^\/\/ +build/d' "$cmddir/generate.go" >"$work/gen-schema/main.go"
  (cd "$work" && go mod edit -replace="$K8S_MOD=$copy" && go mod tidy) >"$LOGS/$name.tidy.log" 2>&1 ||
    { failed "$name" "$want" "$t0" "go mod tidy"; return; }
  log "$name: generating schema-embed.json with the module's generate.go (log: $LOGS/$name.generate.log) ..."
  if ! { (cd "$work" && nice -n 10 go build -p "$GO_P" -o "$SRC/$name-gen-schema" ./gen-schema) &&
         (cd "$cmddir" && VERSION="${want#v}" "$SRC/$name-gen-schema"); } >"$LOGS/$name.generate.log" 2>&1 ||
     [[ ! -s "$cmddir/schema-embed.json" || ! -s "$cmddir/terraform-mapping-embed.json" ]]; then
    failed "$name" "$want" "$t0" "schema generation"; return
  fi
  log "$name: schema generated after $(elapsed "$t0"); go build (log: $LOGS/$name.build.log) ..."
  go_build "$work" "$K8S_MOD/cmd/$name" "$name" "-s -w -X $K8S_MOD/pkg/version.Version=${want#v}" ||
    { failed "$name" "$want" "$t0" "go build"; return; }
  write_stamp "$name" "$want"
  log "$name: built in $(elapsed "$t0")"; summary "$name" "$want" STAND-IN "$note ($(elapsed "$t0"))"
}

# The engine starts `pulumi-resource-pulumi-nodejs` for Pulumi dynamic providers
# (pulumi.dynamic.Resource). It runs @pulumi/pulumi's dynamic-provider entry point
# from the project's node_modules: $ROLLOUT_LAB_ROOT, else the first folder
# upwards from the working directory (the engine starts plugins in the project
# folder) that has node_modules/@pulumi/pulumi, else this repository.
launcher() {
  local root_q
  root_q="'$(printf '%s' "$REPO_ROOT" | sed "s/'/'\\\\''/g")'"
  cat <<EOF
#!/bin/sh
# pulumi-resource-pulumi-nodejs, written by rollout-lab's scripts/toolchain.sh:
# runs Pulumi dynamic providers with the project's own @pulumi/pulumi.
entry=node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js
if [ -n "\${ROLLOUT_LAB_ROOT:-}" ]; then
  root=\$ROLLOUT_LAB_ROOT
else
  root= dir=\$PWD
  while :; do
    if [ -d "\$dir/node_modules/@pulumi/pulumi" ]; then root=\${dir:-/}; break; fi
    [ -n "\$dir" ] || break
    dir=\${dir%/*}
  done
  [ -n "\$root" ] || root=$root_q
fi
if [ ! -f "\$root/\$entry" ]; then
  echo "pulumi-resource-pulumi-nodejs: \$root/\$entry not found (set ROLLOUT_LAB_ROOT to the project folder)" >&2
  exit 1
fi
exec node "\$root/\$entry" "\$@"
EOF
}
do_launcher() {
  local name=pulumi-resource-pulumi-nodejs want="sh launcher" text
  text="$(launcher)"
  if [[ $FORCE == 0 && -x "$BIN/$name" && "$(cat "$BIN/$name")" == "$text" ]]; then
    summary "$name" "$want" cached "runs node_modules/@pulumi/pulumi/cmd/dynamic-provider"; return; fi
  # Not a build: a few lines written in no time, and they name this checkout (its fallback root), so
  # another checkout's differ. --check does not count it missing.
  if [[ $CHECK == 1 ]]; then summary "$name" "$want" "to write" "(--check: written by the next run, in no time)"; return; fi
  printf '%s\n' "$text" >"$BIN/$name.tmp" && chmod 755 "$BIN/$name.tmp" && mv -f "$BIN/$name.tmp" "$BIN/$name"
  command -v node >/dev/null || warn "$name: node is not on PATH; the launcher needs it when it runs"
  [[ -f "$REPO_ROOT/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js" ]] ||
    warn "$name: $REPO_ROOT/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js is not there (yet): run npm ci"
  summary "$name" "$want" written "runs node_modules/@pulumi/pulumi/cmd/dynamic-provider"
}

# The CLI starts `pulumi-language-nodejs` to run a Node.js program itself (`pulumi up`,
# `pulumi preview`): Pulumi's own is a Go module the proxy refuses, so this launcher
# starts rollout-lab's own (tools/languageHost/host.ts, under ts-node) from the
# project the CLI runs: $ROLLOUT_LAB_ROOT, else the folder that the first
# node_modules upwards from the working directory really lives in (a scratch
# project's is a link to the repo's), else this repository.
language_host() {
  local root_q
  root_q="'$(printf '%s' "$REPO_ROOT" | sed "s/'/'\\\\''/g")'"
  cat <<EOF
#!/bin/sh
# pulumi-language-nodejs, written by rollout-lab's scripts/toolchain.sh: starts
# rollout-lab's own Node.js language host (tools/languageHost/host.ts).
host=tools/languageHost/host.ts
if [ -n "\${ROLLOUT_LAB_ROOT:-}" ]; then
  root=\$ROLLOUT_LAB_ROOT
else
  root= dir=\$PWD
  while :; do
    if [ -d "\$dir/node_modules/@pulumi/pulumi" ]; then root=\$(cd -P "\$dir/node_modules/.." && pwd); break; fi
    [ -n "\$dir" ] || break
    dir=\${dir%/*}
  done
  [ -n "\$root" ] || root=$root_q
fi
if [ ! -f "\$root/\$host" ] || [ ! -d "\$root/node_modules/ts-node" ]; then
  echo "pulumi-language-nodejs: \$root/\$host or \$root/node_modules/ts-node not found (run npm ci there, or set ROLLOUT_LAB_ROOT to rollout-lab's folder)" >&2
  exit 1
fi
exec node -r "\$root/node_modules/ts-node/register/transpile-only" "\$root/\$host" "\$@"
EOF
}
do_language_host() {
  local name=pulumi-language-nodejs want="sh launcher" text
  text="$(language_host)"
  if [[ $FORCE == 0 && -x "$BIN/$name" && "$(cat "$BIN/$name")" == "$text" ]]; then
    summary "$name" "$want" cached "runs tools/languageHost/host.ts"; return; fi
  # Like the dynamic-provider launcher: written in no time, not counted missing by --check.
  if [[ $CHECK == 1 ]]; then summary "$name" "$want" "to write" "(--check: written by the next run, in no time)"; return; fi
  printf '%s\n' "$text" >"$BIN/$name.tmp" && chmod 755 "$BIN/$name.tmp" && mv -f "$BIN/$name.tmp" "$BIN/$name"
  [[ -d "$REPO_ROOT/node_modules/ts-node" ]] || warn "$name: $REPO_ROOT/node_modules is not there (yet): run npm ci"
  summary "$name" "$want" written "runs tools/languageHost/host.ts"
}

T_ALL=$(now)
log "cache: $CACHE (go build cache: $GOCACHE)"
log "building from Go modules: pulumi $CLI_V (@pulumi/pulumi ${SDK_V:-?}), kubernetes stand-in $K8S_V (@pulumi/kubernetes ${K8S_SDK_V:-?})"
wanted pulumi && do_pulumi
wanted pulumi-resource-kubernetes && do_kubernetes
wanted pulumi-resource-pulumi-nodejs && do_launcher
wanted pulumi-language-nodejs && do_language_host
log "done in $(elapsed "$T_ALL"); bin: $BIN"
for line in "${SUMMARY[@]}"; do log "  $line"; done
log "not here (the module proxy refuses their modules): Pulumi's own pulumi-language-nodejs (rollout-lab's" \
  "stands in) and the command, docker, random, tls, kubernetes-ingress-nginx plugins; see toolchain/README.md"

if [[ $CHECK == 1 ]]; then
  [[ ${#MISSING[@]} -eq 0 ]] && exit 0
  log "not cached: ${MISSING[*]}"; exit 1
fi
if [[ ${#MISSING[@]} -gt 0 ]]; then
  warn "missing: ${MISSING[*]}"
  if [[ $STRICT == 1 || " ${MISSING[*]} " == *" pulumi "* ]]; then exit 1; fi
fi

if [[ $PRINT_PATH == 1 ]]; then
  printf '%s\n' "$BIN"
else
  echo "export PATH=\"$BIN:\$PATH\""
fi
