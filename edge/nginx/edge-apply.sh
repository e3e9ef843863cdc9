#!/bin/sh
# edge-apply (NGINX): install the nginx.conf read on stdin and reload gracefully. `nginx -t` checks it
# first, so a bad file never replaces a good one; then `nginx -s reload` starts new workers on the same
# sockets while the old ones finish their requests. Returns once /_edge_config answers the new file's
# fingerprint, i.e. once the new configuration is the one serving.
set -eu
CONF=${NGINX_CONF:-/var/lib/nginx-edge/nginx.conf}
STATS_URL=${STATS_URL:-http://127.0.0.1:8404/_edge_config}
WAIT_SECONDS=${WAIT_SECONDS:-30}

new="$CONF.new"
cat > "$new"
want=$(sed -n 's/.*\$edge_config { default "\([0-9a-f]*\)"; }.*/\1/p' "$new")
if [ -z "$want" ]; then
    echo "edge-apply: stdin is not an nginx.conf rendered by rollout-lab (no fingerprint)" >&2
    rm -f "$new"
    exit 1
fi
if ! nginx -t -q -e stderr -c "$new"; then
    echo "edge-apply: nginx -t refused the new configuration; the old one stays" >&2
    rm -f "$new"
    exit 1
fi
mv "$new" "$CONF"
nginx -e stderr -c "$CONF" -s reload

waited=0
until [ "$(curl -fsS --max-time 2 "$STATS_URL" 2>/dev/null)" = "$want" ]; do
    waited=$((waited + 1))
    if [ "$waited" -ge $((WAIT_SECONDS * 10)) ]; then
        echo "edge-apply: NGINX still not serving configuration $want after ${WAIT_SECONDS}s" >&2
        exit 1
    fi
    sleep 0.1
done
echo "edge-apply: nginx.conf $want serving"
