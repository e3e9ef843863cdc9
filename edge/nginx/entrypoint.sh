#!/bin/sh
# Start NGINX in the foreground from the configuration on the state volume; the first start copies the
# bootstrap file the container was created with. `edge-apply` replaces it and reloads on every change.
set -eu
CONF=/var/lib/nginx-edge/nginx.conf
mkdir -p /var/lib/nginx-edge
# edge-apply writes the configuration here, and NGINX its pid and temp files: fail now if it cannot.
if [ ! -w /var/lib/nginx-edge ]; then
    echo "edge: /var/lib/nginx-edge is not writable by uid $(id -u) (a state volume written by another user?)" >&2
    exit 1
fi
[ -f "$CONF" ] || cp /etc/nginx-edge/bootstrap.conf "$CONF"
exec nginx -e stderr -c "$CONF"
