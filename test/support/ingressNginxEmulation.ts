// A plain-NGINX stand-in for ingress-nginx's canary and mirror annotations, so the annotations the lab
// generates can be exercised by a real NGINX on 127.0.0.1 (the real controller needs a cluster). It
// follows ingress-nginx's documented rules: the canary header decides first (its configured value, or
// "always"/"never" when no value is set; any other value falls through), then the canary cookie
// ("always"/"never"), then the weight out of canary-weight-total; mirror-target copies every request.
// Test support only: the product never runs it.

const prefix = "nginx.ingress.kubernetes.io/";

export interface EmulatedIngress {
    listen: string;
    stable: string;
    candidate: string;
    /** The stable Ingress's annotations. */
    stableAnnotations: Record<string, string>;
    /** The canary Ingress's annotations, when there is one. */
    canaryAnnotations?: Record<string, string>;
    /** In-cluster host of each Service, to point a mirror-target at a local address. */
    serviceHosts: Record<string, string>;
    runDir: string;
}

function a(annotations: Record<string, string> | undefined, name: string): string | undefined {
    return annotations?.[prefix + name];
}

/** The header variable NGINX exposes for a header name. */
function headerVar(name: string): string {
    return `$http_${name.toLowerCase().replace(/-/g, "_")}`;
}

export function renderEmulatedIngress(e: EmulatedIngress): string {
    const canary = e.canaryAnnotations;
    const lines: string[] = [
        "worker_processes 1;",
        "daemon off;",
        `pid ${e.runDir}/nginx.pid;`,
        "events { worker_connections 512; }",
        "http {",
        `    access_log off;`,
        `    client_body_temp_path ${e.runDir}/body; proxy_temp_path ${e.runDir}/proxy; fastcgi_temp_path ${e.runDir}/fcgi; uwsgi_temp_path ${e.runDir}/uwsgi; scgi_temp_path ${e.runDir}/scgi;`,
        `    upstream stable { server ${e.stable}; }`,
        `    upstream candidate { server ${e.candidate}; }`,
    ];
    if (canary !== undefined) {
        const header = a(canary, "canary-by-header");
        const value = a(canary, "canary-by-header-value");
        const pattern = a(canary, "canary-by-header-pattern");
        const cookie = a(canary, "canary-by-cookie");
        const weight = Number(a(canary, "canary-weight") ?? "0");
        const total = Number(a(canary, "canary-weight-total") ?? "100");
        if (header !== undefined) {
            const entries = value !== undefined ? [`"${value}" 1;`] : pattern !== undefined ? [`"~${pattern}" 1;`] : [`always 1;`, `never 0;`];
            lines.push(`    map ${headerVar(header)} $by_header { ${entries.join(" ")} default ""; }`);
        } else {
            lines.push(`    map $host $by_header { default ""; }`);
        }
        lines.push(cookie !== undefined ? `    map $cookie_${cookie} $by_cookie { always 1; never 0; default ""; }` : `    map $host $by_cookie { default ""; }`);
        const percent = (100 * weight) / total;
        lines.push(percent > 0 ? `    split_clients "$request_id" $by_weight { ${percent}% 1; * 0; }` : `    map $host $by_weight { default 0; }`);
        lines.push(`    map "$by_header:$by_cookie" $to_canary { "~^1:" 1; "~^0:" 0; ":1" 1; ":0" 0; default $by_weight; }`);
        lines.push(`    map $to_canary $backend { 1 candidate; default stable; }`);
    } else {
        lines.push(`    map $host $backend { default stable; }`);
    }
    lines.push("    server {", `        listen ${e.listen};`, "        location / {");
    const mirror = a(e.stableAnnotations, "mirror-target");
    if (mirror !== undefined) {
        lines.push("            mirror /_mirror;", `            mirror_request_body ${a(e.stableAnnotations, "mirror-request-body") ?? "on"};`);
    }
    lines.push("            proxy_pass http://$backend;", "        }");
    if (mirror !== undefined) {
        let target = mirror;
        for (const [host, address] of Object.entries(e.serviceHosts)) {
            target = target.replace(`//${host}`, `//${address}`);
        }
        lines.push("        location = /_mirror {", "            internal;", `            proxy_pass ${target};`, "        }");
    }
    lines.push("    }", "}");
    return lines.join("\n") + "\n";
}
