#!/usr/bin/env bash
# scripts/toolchain.sh — make the Pulumi CLI, the Node.js language host and the
# provider plugins this project pins available, at the versions in package.json.
#
# Usage:
#   eval "$(scripts/toolchain.sh)"          # prints `export PATH=...` on stdout
#   scripts/toolchain.sh --print-path       # prints only the bin directory
#   source scripts/toolchain.sh [options]   # puts the bin directory on PATH
#
# Options:
#   --print-path   print the bin directory instead of an `export PATH=` line
#   --only a,b     only these binaries (pulumi, pulumi-language-nodejs,
#                  pulumi-resource-kubernetes, -command, -kubernetes-ingress-nginx, -docker,
#                  -random, -tls)
#   --force        rebuild / re-fetch even when the cache is current
#   --exact        never use a stand-in (see toolchain/README.md); a binary whose
#                  exact version cannot be had is then missing
#   --strict       exit 1 if any binary is missing (default: only if pulumi or
#                  pulumi-language-nodejs is missing)
#   --no-download  skip the get.pulumi.com attempt
#   --check        build nothing: exit 0 if every binary is in the cache, else 1
#                  (the summary says which are not); CI uses it to plan its time
#   -h, --help
#
# For each binary, in order: a matching one already installed (pulumi on PATH,
# or a plugin in ~/.pulumi/plugins) -> the normal download from get.pulumi.com
# -> a build from Go modules through the module proxy, using the wrapper
# modules under toolchain/. Everything lands in
#   ${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}/bin
# and is reused on the next run (a stamp per binary records what it was made from).
#
# Environment: ROLLOUT_LAB_TOOLCHAIN_DIR, TOOLCHAIN_GO_BUILD_P (go build -p,
# default 2), TOOLCHAIN_DOWNLOAD_TIMEOUT (seconds, default 20), GOPROXY/GOFLAGS as usual.

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
BIN="$CACHE/bin"
SRC="$CACHE/src"
LOGS="$CACHE/logs"
GO_P="${TOOLCHAIN_GO_BUILD_P:-2}"
# Source archives of the plugins and the language host (a build input on the
# lab's build machine only; a laptop downloads the plugins and never reads it).
SOURCES="${ROLLOUT_LAB_SOURCES:-$REPO_ROOT/../shared/sources}"
# One Go build cache for every binary built here: the Pulumi SDK, the bridge and
# gRPC are compiled once, not once per plugin.
export GOCACHE="${TOOLCHAIN_GOCACHE:-$CACHE/go-build}"
DL_TIMEOUT="${TOOLCHAIN_DOWNLOAD_TIMEOUT:-20}"

PRINT_PATH=0 FORCE=0 EXACT=0 STRICT=0 NO_DOWNLOAD=0 CHECK=0 ONLY=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --print-path) PRINT_PATH=1 ;;
    --force) FORCE=1 ;;
    --exact) EXACT=1 ;;
    --strict) STRICT=1 ;;
    --no-download) NO_DOWNLOAD=1 ;;
    --check) CHECK=1 ;;
    --only) ONLY="${2:?--only needs a list}"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    -h|--help) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "toolchain: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$BIN" "$SRC" "$LOGS"

# Everything human-readable goes to stderr; stdout carries only the result.
log()  { printf '[toolchain] %s\n' "$*" >&2; }
warn() { printf '[toolchain] WARNING: %s\n' "$*" >&2; }
now()  { date +%s; }

# One build at a time per cache: a second run (another terminal, a lesson's setup) waits for the first
# instead of building the same binaries into the same folders beside it.
if [[ $CHECK == 0 ]] && command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "another scripts/toolchain.sh is working in $CACHE; waiting for it to finish ..."
    flock 9
  fi
fi
SUMMARY=()
summary() { SUMMARY+=("$(printf '%-42s %-32s %-10s %s' "$1" "$2" "$3" "$4")"); }

# --- wanted versions, from what npm installed (fallback: package.json) -------
npm_version() { # npm_version PKG [pulumi-field] -> version without leading v
  local pkg="$1" field="${2:-}" out
  out="$(cd "$REPO_ROOT" && PKG="$pkg" FIELD="$field" node -e '
    const fs = require("fs"), pkg = process.env.PKG, field = process.env.FIELD;
    let v = "";
    try {
      const p = JSON.parse(fs.readFileSync("node_modules/" + pkg + "/package.json", "utf8"));
      v = (field && p.pulumi && p.pulumi[field]) || p.version || "";
    } catch (e) {
      const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
      v = (p.dependencies || {})[pkg] || (p.devDependencies || {})[pkg] || "";
    }
    process.stdout.write(String(v).replace(/^[v^~=]+/, ""));
  ' 2>/dev/null)" || true
  [[ "$out" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "toolchain: cannot read the version of $pkg" >&2; return 1; }
  printf '%s' "$out"
}

command -v node >/dev/null || { echo "toolchain: node is required" >&2; exit 1; }
PULUMI_V="$(npm_version @pulumi/pulumi)"
K8S_V="$(npm_version @pulumi/kubernetes version)"
CMD_V="$(npm_version @pulumi/command version)"
NGINX_V="$(npm_version @pulumi/kubernetes-ingress-nginx version)"
DOCKER_V="$(npm_version @pulumi/docker version)"
RANDOM_V="$(npm_version @pulumi/random version)"
TLS_V="$(npm_version @pulumi/tls version)"

case "$(uname -m)" in
  x86_64|amd64) CLI_ARCH=x64 PLUGIN_ARCH=amd64 ;;
  aarch64|arm64) CLI_ARCH=arm64 PLUGIN_ARCH=arm64 ;;
  *) CLI_ARCH="$(uname -m)" PLUGIN_ARCH="$(uname -m)" ;;
esac
OS="$(uname -s | tr '[:upper:]' '[:lower:]')"

# --- stamps: what each cached binary was made from ---------------------------
tree_hash() { # hash of a toolchain/<name> folder (so edits there rebuild)
  [[ -d "$1" ]] || { echo none; return; }
  (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16
}
stamp_file() { echo "$BIN/.$1.stamp"; }
stamp_ok() { # stamp_ok NAME WANT_PREFIX -> 0 if the cached binary fits
  local f; f="$(stamp_file "$1")"
  [[ $FORCE == 0 && -x "$BIN/$1" && -f "$f" ]] || return 1
  grep -qx "want=$2" "$f" || return 1
  local tree; tree="$(sed -n 's/^tree=//p' "$f")"
  [[ -z "$tree" || "$tree" == "$(tree_hash "$TC_DIR/$1")" ]] || return 1
  # a stand-in is reused only while stand-ins are allowed
  if grep -q '^standin=1' "$f" && [[ $EXACT == 1 ]]; then return 1; fi
  return 0
}
write_stamp() { # write_stamp NAME WANT HOW SOURCE STANDIN(0/1) USES_TREE(0/1)
  local tree=""
  [[ "$6" == 1 ]] && tree="$(tree_hash "$TC_DIR/$1")"
  printf 'want=%s\nhow=%s\nsource=%s\nstandin=%s\ntree=%s\ngo=%s\n' \
    "$2" "$3" "$4" "$5" "$tree" "$(go env GOVERSION 2>/dev/null || echo -)" >"$(stamp_file "$1")"
}
stamp_get() { sed -n "s/^$2=//p" "$(stamp_file "$1")" 2>/dev/null || true; }
# A binary found unobtainable is not looked for again for a day (or --force),
# so that warm runs stay fast.
MISSING_TTL="${TOOLCHAIN_MISSING_TTL:-86400}"
missing_cached() { # missing_cached NAME WANT
  local f="$BIN/.$1.missing"
  [[ $FORCE == 0 && -f "$f" ]] && grep -qx "want=$2" "$f" && grep -qx "exact=$EXACT" "$f" &&
    (( $(now) - $(stat -c %Y "$f") < MISSING_TTL ))
}
mark_missing() { printf 'want=%s\nexact=%s\nwhy=%s\n' "$2" "$EXACT" "$3" >"$BIN/.$1.missing"; }

# --- step 1: already installed ------------------------------------------------
link_into_bin() { # link_into_bin SRC NAME
  [[ "$(readlink -f "$1")" == "$(readlink -f "$BIN/$2" 2>/dev/null || true)" ]] && return 0
  ln -sfn "$(readlink -f "$1")" "$BIN/$2"
}

# --- step 2: the normal download -----------------------------------------------
fetch_tgz() { # fetch_tgz URL DESTDIR
  command -v curl >/dev/null || return 1
  mkdir -p "$2"
  curl -fsSL --connect-timeout 5 --max-time "$DL_TIMEOUT" "$1" 2>>"$LOGS/download.log" | tar -xz -C "$2" 2>>"$LOGS/download.log"
}

# --- step 3: Go builds ----------------------------------------------------------
command -v go >/dev/null && HAVE_GO=1 || HAVE_GO=0
# The module proxy's checksum database does not list github.com/pulumi/* here;
# the go.sum files under toolchain/ pin those hashes instead.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

go_module_available() { # go_module_available MODULE@VERSION -> prints the module's Dir
  local tmp out dir
  tmp="$(mktemp -d)"
  (cd "$tmp" && go mod init tc-probe >/dev/null 2>&1)
  out="$(cd "$tmp" && go mod download -json "$1" 2>/dev/null)" || true
  rm -rf "$tmp"
  dir="$(printf '%s' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$dir" && -d "$dir" ]] || return 1
  printf '%s' "$dir"
}

# pseudo_from_tag MODULE@TAG MAJOR -> vMAJOR.0.0-<time>-<hash12> of the commit
# the tag points to (read from the proxy's .info Origin), for sibling modules
# of the same repository that have no tags of their own.
pseudo_from_tag() {
  local tmp info hash time
  tmp="$(mktemp -d)"
  (cd "$tmp" && go mod init tc-probe >/dev/null 2>&1)
  info="$(cd "$tmp" && go list -m -json "$1" 2>/dev/null)" || true
  rm -rf "$tmp"
  hash="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{40\}\)".*/\1/p' | head -n1)"
  time="$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Time": "\([^"]*\)".*/\1/p' | head -n1)"
  [[ -n "$hash" && -n "$time" ]] || return 1
  time="$(date -u -d "$time" +%Y%m%d%H%M%S)" || return 1
  printf 'v%s.0.0-%s-%s' "$2" "$time" "${hash:0:12}"
}

pinned_version() { # pinned_version DIR MODULE -> version required by DIR/go.mod
  (cd "$1" && go mod edit -json) | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const r = (JSON.parse(s).Require || []).find(r => r.Path === process.argv[1]);
      process.stdout.write(r ? r.Version : "");
    });' "$2"
}

# Copy a toolchain/<name> wrapper module into the cache work area.
stage_wrapper() { # stage_wrapper NAME -> prints work dir
  local work="$SRC/$1/wrapper"
  rm -rf "$work"; mkdir -p "$work"
  cp -R "$TC_DIR/$1/." "$work/"
  printf '%s' "$work"
}

# Make an ad-hoc wrapper for MODULE@VERSION (used when package.json wants a
# version the committed wrapper does not pin): require it, copy its non-local
# replace directives, tidy.
adhoc_wrapper() { # adhoc_wrapper NAME MODULE VERSION UPSTREAM_DIR PKG -> prints work dir
  local name="$1" mod="$2" ver="$3" updir="$4" pkg="$5" work="$SRC/$1/adhoc"
  rm -rf "$work"; mkdir -p "$work"
  (
    cd "$work"
    go mod init "rollout-lab/toolchain/$name" >/dev/null 2>&1
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >tools.go
    go mod edit -require="$mod@$ver"
    # copy replace directives whose target is a module, not a ../ path
    go mod edit -json "$updir/go.mod" | node -e '
      let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
        for (const r of (JSON.parse(s).Replace || [])) {
          if (!r.New.Version) continue;
          const old = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
          console.log(old + "=" + r.New.Path + "@" + r.New.Version);
        }
      });' | while read -r rep; do go mod edit -replace="$rep"; done
  )
  printf '%s' "$work"
}

go_build() { # go_build WORKDIR PACKAGE OUT LDFLAGS LOG
  (cd "$1" && nice -n 10 go build -p "$GO_P" -trimpath -ldflags "$4" -o "$3.tmp" "$2") >"$5" 2>&1 &&
    mv -f "$3.tmp" "$3"
}

elapsed() { echo "$(( $(now) - $1 ))s"; }

# --- step 3 (before the module proxy): a source archive -------------------------
# SOURCES/plugins/<repo>-v<version>.tgz holds a provider's `provider/` folder at
# its release tag (upstream go.mod/go.sum unchanged); SOURCES/goproxy is a local
# file proxy for the few modules the module proxy refuses in part. go.sum still
# checks every module, so the result is the upstream release, built here.
source_archive() { # source_archive KIND REPO VERSION -> prints the archive path
  local f="$SOURCES/$1/$2-v$3.tgz"
  [[ -f "$f" ]] || f="$SOURCES/$1/$2-v$3.src.tgz"
  [[ -f "$f" ]] && printf '%s' "$f"
}
archive_goproxy() { # the GOPROXY value for archive builds
  local usual; usual="$(go env GOPROXY)"
  if [[ -d "$SOURCES/goproxy" ]]; then printf 'file://%s,%s' "$(cd "$SOURCES/goproxy" && pwd)" "$usual"
  else printf '%s' "$usual"; fi
}
# build_from_archive NAME VERSION ARCHIVE TAGS -> builds BIN/NAME, 0 on success.
# NAME is pulumi-resource-<x> (built in provider/, cmd/<NAME>, generate.go run
# first when upstream has one) or pulumi-language-nodejs (built in the top folder).
build_from_archive() {
  local name="$1" ver="$2" archive="$3" tags="$4" work="$SRC/$1/archive-v$2" dir mod t
  rm -rf "$work"; mkdir -p "$work"
  tar -xzf "$archive" -C "$work" || { warn "$name: cannot unpack $archive"; return 1; }
  chmod -R u+w "$work"
  if [[ "$name" == pulumi-language-nodejs ]]; then
    dir="$(dirname "$(find "$work" -maxdepth 2 -name main.go | head -n1)")"
  else
    dir="$(dirname "$(dirname "$(find "$work" -maxdepth 5 -path "*/provider/cmd/$name/main.go" | head -n1)")")"
    dir="${dir%/cmd}"
  fi
  [[ -f "$dir/go.mod" ]] || { warn "$name: no go.mod found in $archive"; return 1; }
  mod="$(cd "$dir" && go mod edit -json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).Module.Path))')"
  local goproxy; goproxy="$(archive_goproxy)"
  if [[ "$name" != pulumi-language-nodejs && -f "$dir/cmd/$name/generate.go" ]]; then
    t=$(now)
    log "$name v$ver: generating the schema (cmd/$name/generate.go) ..."
    (cd "$dir/cmd/$name" && GOPROXY="$goproxy" CGO_ENABLED=0 VERSION="$ver" nice -n 10 go run generate.go) \
      >"$LOGS/$name.generate.log" 2>&1 || { warn "$name: generate failed, see $LOGS/$name.generate.log"; return 1; }
    log "$name v$ver: generated in $(elapsed "$t")"
  fi
  local pkg vervar
  if [[ "$name" == pulumi-language-nodejs ]]; then
    pkg=. vervar="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
  else
    pkg="./cmd/$name" vervar="$mod/pkg/version.Version"
  fi
  t=$(now)
  log "$name v$ver: go build $pkg in $(basename "$archive") (log: $LOGS/$name.build.log) ..."
  (cd "$dir" && GOPROXY="$goproxy" CGO_ENABLED=0 nice -n 10 go build -p "$GO_P" -trimpath ${tags:+-tags "$tags"} \
      -ldflags "-s -w -X $vervar=$ver" -o "$BIN/$name.tmp" "$pkg") >"$LOGS/$name.build.log" 2>&1 ||
    { warn "$name: build failed after $(elapsed "$t"), see $LOGS/$name.build.log"; return 1; }
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  log "$name v$ver: built in $(elapsed "$t")"
}
# try_archive NAME VERSION KIND REPO TAGS T0 -> 0 if built (stamp and summary written)
try_archive() {
  local name="$1" ver="$2" archive t0="$6"
  archive="$(source_archive "$3" "$4" "$ver")" || { log "$name v$ver: no source archive in $SOURCES/$3"; return 1; }
  [[ $HAVE_GO == 1 ]] || { warn "$name: go not found, cannot build $archive"; return 1; }
  build_from_archive "$name" "$ver" "$archive" "$5" || return 1
  write_stamp "$name" "v$ver" source-archive "$archive" 0 0
  summary "$name" "v$ver" built "$(basename "$archive") ($(elapsed "$t0"))"
}

# --- the binaries ----------------------------------------------------------------
wanted() { [[ -z "$ONLY" ]] || [[ ",$ONLY," == *",$1,"* ]]; }
MISSING=()
CLI_TARBALL_DIR=""

do_pulumi() {
  local name=pulumi want="v$PULUMI_V" t0; t0=$(now)
  if stamp_ok "$name" "$want"; then
    summary "$name" "$want" cached "$(stamp_get $name how): $(stamp_get $name source)"; return; fi
  if [[ $CHECK == 1 ]]; then MISSING+=("$name"); summary "$name" "$want" "NOT CACHED" "(--check)"; return; fi
  log "$name $want: looking for it ..."
  # 1. on PATH
  local p; p="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$BIN" | paste -sd:)" command -v pulumi || true)"
  if [[ -n "$p" ]] && [[ "$("$p" version 2>/dev/null)" == "$want" ]]; then
    link_into_bin "$p" pulumi
    write_stamp "$name" "$want" path "$p" 0 0
    log "$name $want: using $p ($(elapsed "$t0"))"; summary "$name" "$want" path "$p"; return
  fi
  # 2. download
  if [[ $NO_DOWNLOAD == 0 ]]; then
    local url="https://get.pulumi.com/releases/sdk/pulumi-$want-$OS-$CLI_ARCH.tar.gz" d="$SRC/cli-download"
    rm -rf "$d"
    if fetch_tgz "$url" "$d" && [[ -x "$d/pulumi/pulumi" ]]; then
      cp -f "$d/pulumi/pulumi" "$BIN/pulumi"; CLI_TARBALL_DIR="$d/pulumi"
      write_stamp "$name" "$want" download "$url" 0 0
      log "$name $want: downloaded ($(elapsed "$t0"))"; summary "$name" "$want" download "$url"; return
    fi
    log "$name $want: download failed ($url), building from Go modules"
  fi
  # 3. build
  [[ $HAVE_GO == 1 ]] || { warn "$name: go not found, cannot build"; MISSING+=("$name"); return; }
  local mod=github.com/pulumi/pulumi/pkg/v3 pkg=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi work pinned
  pinned="$(pinned_version "$TC_DIR/pulumi" "$mod")"
  if [[ "$pinned" == "$want" ]]; then
    work="$(stage_wrapper pulumi)"
  else
    warn "$name: toolchain/pulumi pins $pinned but package.json wants $want; using an ad-hoc wrapper (update toolchain/pulumi)"
    local updir; updir="$(go_module_available "$mod@$want")" || { warn "$name: $mod@$want is not on the module proxy"; MISSING+=("$name"); return; }
    work="$(adhoc_wrapper pulumi "$mod" "$want" "$updir" "$pkg")"
    (cd "$work" && go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$want" && go mod tidy) >"$LOGS/$name.tidy.log" 2>&1 ||
      { warn "$name: go mod tidy failed, see $LOGS/$name.tidy.log"; MISSING+=("$name"); return; }
  fi
  log "$name $want: go build $pkg (log: $LOGS/$name.build.log) ..."
  if go_build "$work" "$pkg" "$BIN/pulumi" \
      "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" "$LOGS/$name.build.log"; then
    write_stamp "$name" "$want" go-build "$mod@$want" 0 1
    log "$name $want: built in $(elapsed "$t0")"; summary "$name" "$want" "built" "$mod@$want ($(elapsed "$t0"))"
  else
    warn "$name: build failed after $(elapsed "$t0"), see $LOGS/$name.build.log"; MISSING+=("$name")
  fi
}

do_language_host() {
  local name=pulumi-language-nodejs want="v$PULUMI_V" t0; t0=$(now)
  if stamp_ok "$name" "$want"; then
    summary "$name" "$want" cached "$(stamp_get $name how): $(stamp_get $name source)"; return; fi
  if [[ $CHECK == 1 ]]; then MISSING+=("$name"); summary "$name" "$want" "NOT CACHED" "(--check)"; return; fi
  log "$name $want: looking for it ..."
  # 1./2. shipped next to a matching CLI (on PATH or in the downloaded tarball)
  local cli_src; cli_src="$(stamp_get pulumi source)"
  if [[ "$(stamp_get pulumi how)" == path && -x "$(dirname "$cli_src")/$name" ]]; then
    link_into_bin "$(dirname "$cli_src")/$name" "$name"
    write_stamp "$name" "$want" path "$(dirname "$cli_src")/$name" 0 0
    log "$name $want: using the one next to $cli_src"
    summary "$name" "$want" path "$(dirname "$cli_src")/$name"; return
  fi
  if [[ -n "$CLI_TARBALL_DIR" && -x "$CLI_TARBALL_DIR/$name" ]]; then
    cp -f "$CLI_TARBALL_DIR/$name" "$BIN/$name"
    write_stamp "$name" "$want" download "get.pulumi.com CLI tarball" 0 0
    summary "$name" "$want" download "get.pulumi.com CLI tarball"; return
  fi
  if [[ $NO_DOWNLOAD == 0 && -z "$CLI_TARBALL_DIR" ]]; then
    local url="https://get.pulumi.com/releases/sdk/pulumi-$want-$OS-$CLI_ARCH.tar.gz" d="$SRC/cli-download"
    rm -rf "$d"
    if fetch_tgz "$url" "$d" && [[ -x "$d/pulumi/$name" ]]; then
      cp -f "$d/pulumi/$name" "$BIN/$name"
      write_stamp "$name" "$want" download "$url" 0 0
      summary "$name" "$want" download "$url"; return
    fi
  fi
  # 3a. the release's source from the archive (SOURCES/host)
  try_archive "$name" "${want#v}" host "$name" "" "$t0" && return
  [[ $HAVE_GO == 1 ]] || { warn "$name: go not found, cannot build"; MISSING+=("$name"); return; }
  # 3b. the upstream module, at the commit of the CLI's release tag
  local mod=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 pseudo updir work
  if pseudo="$(pseudo_from_tag "github.com/pulumi/pulumi/pkg/v3@$want" 3)" &&
     updir="$(go_module_available "$mod@$pseudo")"; then
    work="$(adhoc_wrapper "$name" "$mod" "$pseudo" "$updir" "$mod")"
    # upstream replaces pkg/v3 and sdk/v3 with ../ paths: pin the release instead
    (cd "$work" && go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$want" \
      -require="github.com/pulumi/pulumi/sdk/v3@$want" && go mod tidy) >"$LOGS/$name.tidy.log" 2>&1 || { warn "$name: tidy failed ($LOGS/$name.tidy.log)"; updir=""; }
    if [[ -n "$updir" ]]; then
      log "$name $want: go build $mod@$pseudo ..."
      if go_build "$work" "$mod" "$BIN/$name" \
          "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" "$LOGS/$name.build.log"; then
        write_stamp "$name" "$want" go-build "$mod@$pseudo" 0 0
        log "$name $want: built in $(elapsed "$t0")"; summary "$name" "$want" built "$mod@$pseudo ($(elapsed "$t0"))"; return
      fi
      warn "$name: upstream build failed ($LOGS/$name.build.log)"
    fi
  else
    log "$name: upstream $mod@${pseudo:-?} is not on the module proxy"
  fi
  warn "$name $want: NOT AVAILABLE (no download, no source archive, not on the module proxy)"
  MISSING+=("$name"); summary "$name" "$want" MISSING "no download, no source archive in $SOURCES/host"
}

# Provider plugins. Args: short name, wanted version, "candidates" (MODULE@VERSION
# of the provider module; the first one the proxy serves is built), cmd package
# suffix, ldflags version variable, optional stand-in wrapper (toolchain/<bin>).
do_provider() {
  local short="$1" ver="$2" candidates="$3" cmdpkg="$4" vervar="$5" standin="${6:-}"
  local name="pulumi-resource-$short" want="v$2" t0; t0=$(now)
  if stamp_ok "$name" "$want"; then
    summary "$name" "$want" cached "$(stamp_get $name how): $(stamp_get $name source)"; return; fi
  if [[ $CHECK == 1 ]]; then MISSING+=("$name"); summary "$name" "$want" "NOT CACHED" "(--check)"; return; fi
  if missing_cached "$name" "$want"; then
    MISSING+=("$name"); summary "$name" "$want" MISSING "(checked $(date -r "$BIN/.$name.missing" +%F\ %T); --force to retry) $(sed -n 's/^why=//p' "$BIN/.$name.missing")"
    return
  fi
  rm -f "$BIN/.$name.missing"
  log "$name $want: looking for it ..."
  # 1. installed plugin (pulumi plugin install) of that exact version
  local inst="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-$short-$want/$name"
  if [[ -x "$inst" ]]; then
    link_into_bin "$inst" "$name"; write_stamp "$name" "$want" installed "$inst" 0 0
    summary "$name" "$want" installed "$inst"; return
  fi
  # 2. download
  if [[ $NO_DOWNLOAD == 0 ]]; then
    local url="https://get.pulumi.com/releases/plugins/$name-$want-$OS-$PLUGIN_ARCH.tar.gz" d="$SRC/$name-download"
    rm -rf "$d"
    if fetch_tgz "$url" "$d" && [[ -x "$d/$name" ]]; then
      cp -f "$d/$name" "$BIN/$name"; write_stamp "$name" "$want" download "$url" 0 0
      log "$name $want: downloaded ($(elapsed "$t0"))"; summary "$name" "$want" download "$url"; return
    fi
  fi
  # 3. the release's source from the archive (SOURCES/plugins/pulumi-<short>-v<version>.tgz);
  # docker is built without its compose support, as upstream's own build does
  local tags=""; [[ "$short" == docker ]] && tags=no_compose
  try_archive "$name" "$ver" plugins "pulumi-$short" "$tags" "$t0" && return
  [[ $HAVE_GO == 1 ]] || { warn "$name: go not found, cannot build"; MISSING+=("$name"); return; }
  # 4a. the exact upstream module
  local c mod mver updir="" work
  for c in $candidates; do
    mod="${c%%@*}" mver="${c#*@}"
    if [[ "$mver" == pseudo:* ]]; then # pseudo:SDKMODULE@TAG:MAJOR, resolved now
      local spec="${mver#pseudo:}"
      mver="$(pseudo_from_tag "${spec%:*}" "${spec##*:}")" ||
        { log "$name: ${spec%:*} is not on the module proxy (needed to find the release commit)"; continue; }
    fi
    [[ -n "$mver" ]] || continue
    if updir="$(go_module_available "$mod@$mver")"; then break; fi
    log "$name: $mod@$mver is not on the module proxy"
    updir=""
  done
  if [[ -n "$updir" ]]; then
    work="$(adhoc_wrapper "$name" "$mod" "$mver" "$updir" "$mod/$cmdpkg")"
    if build_provider_in "$name" "$work" "$mod" "$mver" "$updir" "$cmdpkg" "$vervar" "${want#v}"; then
      write_stamp "$name" "$want" go-build "$mod@$mver" 0 0
      log "$name $want: built in $(elapsed "$t0")"; summary "$name" "$want" built "$mod@$mver ($(elapsed "$t0"))"; return
    fi
  fi
  # 4b. stand-in wrapper committed under toolchain/
  if [[ -n "$standin" && -f "$TC_DIR/$name/go.mod" && $EXACT == 0 ]]; then
    local smod="$standin" smver
    smver="$(pinned_version "$TC_DIR/$name" "$smod")"
    warn "$name: building the STAND-IN $smod@$smver, NOT $want (see toolchain/README.md)"
    work="$(stage_wrapper "$name")"
    updir="$(cd "$work" && go mod download -json "$smod@$smver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    if [[ -n "$updir" ]] && build_provider_in "$name" "$work" "$smod" "$smver" "$updir" "$cmdpkg" "$vervar" "${smver#v}"; then
      write_stamp "$name" "$want" go-build "$smod@$smver (stand-in)" 1 1
      log "$name: stand-in built in $(elapsed "$t0")"; summary "$name" "$want" STAND-IN "$smod@$smver ($(elapsed "$t0"))"; return
    fi
    warn "$name: stand-in build failed, see $LOGS/$name.*.log"
  fi
  warn "$name $want: NOT AVAILABLE (no download, source module not on the proxy) after $(elapsed "$t0")"
  mark_missing "$name" "$want" "no download; source module not on the module proxy; see toolchain/README.md"
  MISSING+=("$name"); summary "$name" "$want" MISSING "no download; source module not on the module proxy"
}

# Build a provider from WORK (a wrapper module). Providers whose cmd package
# embeds generated files get a patched copy of the module (replace => copy).
build_provider_in() { # NAME WORK MODULE VERSION UPSTREAM_DIR CMDPKG VERVAR VERSION_STAMP
  local name="$1" work="$2" mod="$3" mver="$4" updir="$5" cmdpkg="$6" vervar="$7" stamp="$8"
  case "$name" in
    pulumi-resource-kubernetes)
      # schema-embed.json and terraform-mapping-embed.json are go:generate
      # outputs that upstream does not commit: copy the module out of the module
      # cache, run its own generator (cmd/pulumi-resource-kubernetes/generate.go)
      # on the copy, and point a replace at the copy.
      local copy="$SRC/$name/module" cmddir
      rm -rf "$copy"; cp -R "$updir" "$copy"; chmod -R u+w "$copy"
      cmddir="$copy/cmd/pulumi-resource-kubernetes"
      mkdir -p "$work/gen-schema"
      sed -e '/^\/\/go:build/d' -e '/^\/\/ +build/d' "$cmddir/generate.go" >"$work/gen-schema/main.go"
      (cd "$work" && go mod edit -replace="$mod=$copy" && go mod tidy) >"$LOGS/$name.tidy.log" 2>&1 ||
        { warn "$name: go mod tidy failed ($LOGS/$name.tidy.log)"; return 1; }
      log "$name: generating schema-embed.json (VERSION=$stamp) ..."
      { (cd "$work" && go build -o "$SRC/$name/gen-schema" ./gen-schema) &&
        (cd "$cmddir" && VERSION="$stamp" "$SRC/$name/gen-schema"); } >"$LOGS/$name.generate.log" 2>&1 ||
        { warn "$name: schema generation failed ($LOGS/$name.generate.log)"; return 1; }
      [[ -s "$cmddir/schema-embed.json" && -s "$cmddir/terraform-mapping-embed.json" ]] || return 1
      ;;
    *)
      (cd "$work" && go mod tidy) >"$LOGS/$name.tidy.log" 2>&1 ||
        { warn "$name: go mod tidy failed ($LOGS/$name.tidy.log)"; return 1; }
      ;;
  esac
  log "$name: go build $mod/$cmdpkg@$mver (log: $LOGS/$name.build.log) ..."
  go_build "$work" "$mod/$cmdpkg" "$BIN/$name" "-s -w -X $mod/$vervar=$stamp" "$LOGS/$name.build.log"
}

T_ALL=$(now)
log "cache: $CACHE"
log "wanted: pulumi v$PULUMI_V, kubernetes v$K8S_V, command v$CMD_V, kubernetes-ingress-nginx v$NGINX_V, docker v$DOCKER_V, random v$RANDOM_V, tls v$TLS_V"
log "sources: $SOURCES$([[ -d "$SOURCES" ]] || echo ' (absent: no source-archive builds)'); go build cache: $GOCACHE"
wanted pulumi && do_pulumi
wanted pulumi-language-nodejs && do_language_host
# The Swarm lab needs command, docker and random; then tls and ingress-nginx (Kubernetes
# routed stacks), the Kubernetes provider last.
# Candidate sources of each provider: the provider module at the release tag,
# then at the commit of the Go SDK module's tag of the same release (pseudo-version).
CMD_MAJOR="${CMD_V%%.*}"
wanted pulumi-resource-command && do_provider command "$CMD_V" \
  "github.com/pulumi/pulumi-command/provider/v$CMD_MAJOR@v$CMD_V
   github.com/pulumi/pulumi-command/provider@pseudo:github.com/pulumi/pulumi-command/sdk/v$CMD_MAJOR@v$CMD_V:0" \
  cmd/pulumi-resource-command pkg/version.Version
DOCKER_MAJOR="${DOCKER_V%%.*}"
wanted pulumi-resource-docker && do_provider docker "$DOCKER_V" \
  "github.com/pulumi/pulumi-docker/provider/v$DOCKER_MAJOR@v$DOCKER_V
   github.com/pulumi/pulumi-docker/provider/v$DOCKER_MAJOR@pseudo:github.com/pulumi/pulumi-docker/sdk/v$DOCKER_MAJOR@v$DOCKER_V:$DOCKER_MAJOR" \
  cmd/pulumi-resource-docker pkg/version.Version
RANDOM_MAJOR="${RANDOM_V%%.*}"
wanted pulumi-resource-random && do_provider random "$RANDOM_V" \
  "github.com/pulumi/pulumi-random/provider/v$RANDOM_MAJOR@v$RANDOM_V" \
  cmd/pulumi-resource-random pkg/version.Version
TLS_MAJOR="${TLS_V%%.*}"
wanted pulumi-resource-tls && do_provider tls "$TLS_V" \
  "github.com/pulumi/pulumi-tls/provider/v$TLS_MAJOR@v$TLS_V" \
  cmd/pulumi-resource-tls pkg/version.Version

wanted pulumi-resource-kubernetes-ingress-nginx && do_provider kubernetes-ingress-nginx "$NGINX_V" \
  "github.com/pulumi/pulumi-kubernetes-ingress-nginx/provider@v$NGINX_V
   github.com/pulumi/pulumi-kubernetes-ingress-nginx/provider@pseudo:github.com/pulumi/pulumi-kubernetes-ingress-nginx/sdk@v$NGINX_V:0" \
  cmd/pulumi-resource-kubernetes-ingress-nginx pkg/version.Version
K8S_MAJOR="${K8S_V%%.*}"
wanted pulumi-resource-kubernetes && do_provider kubernetes "$K8S_V" \
  "github.com/pulumi/pulumi-kubernetes/provider/v$K8S_MAJOR@v$K8S_V
   github.com/pulumi/pulumi-kubernetes/provider/v$K8S_MAJOR@pseudo:github.com/pulumi/pulumi-kubernetes/sdk/v$K8S_MAJOR@v$K8S_V:$K8S_MAJOR" \
  cmd/pulumi-resource-kubernetes pkg/version.Version "github.com/pulumi/pulumi-kubernetes/provider/v4"
log "done in $(elapsed "$T_ALL"); bin: $BIN"
for line in "${SUMMARY[@]}"; do log "  $line"; done
if [[ $CHECK == 1 ]]; then
  [[ ${#MISSING[@]} -eq 0 ]] && exit 0
  log "not cached: ${MISSING[*]}"; exit 1
fi
if [[ ${#MISSING[@]} -gt 0 ]]; then
  warn "missing: ${MISSING[*]}"
  for m in "${MISSING[@]}"; do
    if [[ $STRICT == 1 || "$m" == pulumi || "$m" == pulumi-language-nodejs ]]; then exit 1; fi
  done
fi

if [[ $PRINT_PATH == 1 ]]; then
  printf '%s\n' "$BIN"
else
  printf 'export PATH="%s:$PATH"\n' "$BIN"
fi
