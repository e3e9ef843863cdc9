// Docker health checks over HTTP, for the images the lab runs on Swarm. The lab's own images (the app,
// the edge, the local monitoring builds) come from a minimal Debian: bash, and no wget. The upstream
// monitoring images (prom/*, cAdvisor) are busybox or Alpine: wget, and no bash. A monitoring check has
// to work in whichever of the two a stack names.

/** A bash one-liner that asks http://127.0.0.1:<port><path> through bash's /dev/tcp and succeeds on HTTP 200. */
export function bashHttpCheck(port: number, path: string): string {
    return `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && read -r _ code _ <&3 && [ "$code" = 200 ]`;
}

/**
 * The `tests` of a healthcheck asking http://127.0.0.1:<port><path>: with wget where the image has it,
 * else with bash (bashHttpCheck). The URL and the bash line go in as sh's positional arguments, so
 * neither needs quoting.
 */
export function httpCheckTests(port: number, path: string): string[] {
    return [
        "CMD",
        "sh",
        "-c",
        'if command -v wget >/dev/null 2>&1; then exec wget -q -O /dev/null "$1"; else exec bash -c "$2"; fi',
        "http-check",
        `http://127.0.0.1:${port}${path}`,
        bashHttpCheck(port, path),
    ];
}
