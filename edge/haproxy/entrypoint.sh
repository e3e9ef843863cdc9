#!/bin/sh
# Start HAProxy in master-worker mode in the foreground. The routing maps live on a volume: create each
# map the configuration loads with a neutral value (all traffic to stable) if it is not there yet;
# `edge-apply` sets the real values right after start and on every change.
set -eu
CONFIG=/usr/local/etc/haproxy/haproxy.cfg
mkdir -p /run/haproxy
for map in $(grep -o 'map_str_int([^,]*' "$CONFIG" | sed 's/map_str_int(//' | sort -u); do
    mkdir -p "$(dirname "$map")"
    # edge-apply writes the maps here: fail now, not at the first routing change.
    if [ ! -w "$(dirname "$map")" ]; then
        echo "edge: $(dirname "$map") is not writable by uid $(id -u) (a state volume written by another user?)" >&2
        exit 1
    fi
    if [ ! -f "$map" ]; then
        case "$(basename "$map")" in
            routing.map) echo "candidate_percent 0" > "$map" ;;
            *) : > "$map" ;;
        esac
    fi
done
exec haproxy -W -db -f "$CONFIG"
