# shellcheck shell=bash
# What the single-binary build scripts share (sourced by actionlint.sh, cadvisor.sh, prometheus.sh,
# traefik.sh): where the toolchain cache is, and building a binary once per stamp.

# The toolchain cache: built binaries and their stamps in bin/, Go's build cache in go-build/.
TOOLCHAIN_CACHE="${ROLLOUT_LAB_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rollout-lab/toolchain}"
export GOCACHE="${TOOLCHAIN_GOCACHE:-$TOOLCHAIN_CACHE/go-build}"

# build_once NAME WANT FUNCTION: makes $TOOLCHAIN_CACHE/bin/NAME with `FUNCTION OUT` (which writes the
# binary to OUT) unless its stamp (bin/.NAME.stamp) says it was built from WANT; then stamps it. What it
# builds and how long it took go to stderr. A failed build leaves the previous binary and stamp alone.
build_once() {
    local name=$1 want=$2 fn=$3
    local bin="$TOOLCHAIN_CACHE/bin/$name" stamp="$TOOLCHAIN_CACHE/bin/.$name.stamp" started
    mkdir -p "$TOOLCHAIN_CACHE/bin"
    if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
        return 0
    fi
    started=$(date +%s)
    echo "$name: building ($want) ..." >&2
    "$fn" "$bin.tmp"
    mv "$bin.tmp" "$bin"
    echo "$want" > "$stamp"
    echo "$name: built in $(( $(date +%s) - started ))s" >&2
}

# module_dir MODULE@VERSION: the module's folder in Go's module cache, downloaded from the module proxy if needed.
module_dir() {
    go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'
}
