#!/bin/sh
# edge-apply: set HAProxy's routing maps to the content read on stdin, through the runtime API, and write
# them to the state folder so a restarted HAProxy starts from the same values.
#
# stdin holds one section per map file:
#   === routing.map
#   candidate_percent 10
#   === ab.map
#   always 1
#
# Each map is replaced atomically: `prepare map` opens a new version, `add map @version` fills it and
# `commit map @version` swaps it in, so no request ever sees a half-written map. Exits non-zero unless
# `show map` reads back exactly what was asked.
set -eu
SOCKET=${HAPROXY_SOCKET:-/run/haproxy/admin.sock}
STATE_DIR=${STATE_DIR:-/var/lib/haproxy/state}
WAIT_SECONDS=${WAIT_SECONDS:-60}

api() { printf '%s\n' "$1" | socat -t 5 stdio "unix-connect:$SOCKET"; }

waited=0
until api "show info" >/dev/null 2>&1; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
        echo "edge-apply: HAProxy runtime API not answering on $SOCKET after ${WAIT_SECONDS}s" >&2
        exit 1
    fi
    sleep 1
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '/^=== /{ file = dir "/" $2; printf "" > file; next } file != "" && NF > 0 { print >> file }'

for wanted in "$work"/*; do
    [ -e "$wanted" ] || continue
    name=$(basename "$wanted")
    map="$STATE_DIR/$name"
    version=$(api "prepare map $map" | sed -n 's/^New version created: *\([0-9][0-9]*\).*/\1/p')
    if [ -z "$version" ]; then
        echo "edge-apply: HAProxy has no map $map loaded" >&2
        exit 1
    fi
    while read -r key value; do
        out=$(api "add map @$version $map $key $value")
        if [ -n "$out" ]; then
            echo "edge-apply: add map $map $key $value: $out" >&2
            exit 1
        fi
    done < "$wanted"
    api "commit map @$version $map" >/dev/null
    cp "$wanted" "$map.new" && mv "$map.new" "$map"

    got=$(api "show map $map" | awk 'NF >= 3 { print $2, $3 }' | sort)
    want=$(sort "$wanted")
    if [ "$got" != "$want" ]; then
        echo "edge-apply: $name reads back as [$got], wanted [$want]" >&2
        exit 1
    fi
    echo "edge-apply: $name = $(tr '\n' ';' < "$wanted")"
done
