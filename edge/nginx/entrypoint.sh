#!/bin/sh
# Start NGINX in the foreground from the configuration on the state volume; the first start copies the
# bootstrap file the container was created with. `edge-apply` replaces it and reloads on every change.
set -eu
CONF=/var/lib/nginx-edge/nginx.conf
mkdir -p /var/lib/nginx-edge
[ -f "$CONF" ] || cp /etc/nginx-edge/bootstrap.conf "$CONF"
exec nginx -e stderr -c "$CONF"
