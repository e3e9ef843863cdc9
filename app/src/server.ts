import * as http from "http";
import * as os from "os";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { AppSettings } from "./settings";

/** A running demo app: the HTTP server plus the switch that starts a graceful shutdown. */
export interface DemoApp {
    server: http.Server;
    registry: Registry;
    /** Turns /ready to 503, waits drainDelayMs, stops accepting, finishes in-flight requests. */
    shutdown(): Promise<void>;
    isReady(): boolean;
}

const probePaths = new Set(["/live", "/ready", "/metrics"]);

export function createDemoApp(settings: AppSettings, random: () => number = Math.random): DemoApp {
    const startedAt = Date.now();
    let draining = false;
    const registry = new Registry();
    // Process metrics carry no version label of their own (nodejs_version_info has a `version` label
    // that means Node's version); Prometheus joins them to the app version through demo_app_info.
    collectDefaultMetrics({ register: registry });
    new Gauge({
        name: "demo_app_info",
        help: "Always 1; carries the version and colour of this copy of the demo app.",
        labelNames: ["version", "color"],
        registers: [registry],
    }).set({ version: settings.version, color: settings.color }, 1);
    const requests = new Counter({
        name: "http_requests_total",
        help: "Requests answered by the demo app, by version and status code.",
        labelNames: ["version", "code"],
        registers: [registry],
    });
    const duration = new Histogram({
        name: "http_request_duration_seconds",
        help: "Time to answer a request, by version and status code.",
        labelNames: ["version", "code"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
    });

    const isReady = () => !draining && Date.now() - startedAt >= settings.readyDelayMs;

    const server = http.createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        if (probePaths.has(path)) {
            void answerProbe(path, res);
            return;
        }
        const stopTimer = duration.startTimer();
        const finish = (code: number, body: object) => {
            const labels = { version: settings.version, code: String(code) };
            res.writeHead(code, { "content-type": "application/json", "x-app-version": settings.version });
            res.end(JSON.stringify(body) + "\n");
            requests.inc(labels);
            stopTimer(labels);
        };
        const answer = () => {
            if (path !== "/") {
                finish(404, { error: "not found", version: settings.version });
            } else if (random() < settings.errorRate) {
                finish(500, { error: "injected failure", version: settings.version, color: settings.color });
            } else {
                finish(200, { version: settings.version, color: settings.color, host: os.hostname() });
            }
        };
        if (settings.latencyMs > 0) {
            setTimeout(answer, settings.latencyMs);
        } else {
            answer();
        }
    });

    async function answerProbe(path: string, res: http.ServerResponse): Promise<void> {
        if (path === "/metrics") {
            const text = await registry.metrics();
            res.writeHead(200, { "content-type": registry.contentType });
            res.end(text);
            return;
        }
        const ok = path === "/live" ? true : isReady();
        res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" });
        res.end(ok ? "ok\n" : draining ? "draining\n" : "warming up\n");
    }

    let closing: Promise<void> | undefined;
    function shutdown(): Promise<void> {
        closing ??= (async () => {
            draining = true;
            if (settings.drainDelayMs > 0) {
                await new Promise((r) => setTimeout(r, settings.drainDelayMs));
            }
            await new Promise<void>((resolve) => {
                // close() stops accepting and resolves once every in-flight request has been answered;
                // idle keep-alive sockets would otherwise hold it open until they time out.
                server.close(() => resolve());
                server.closeIdleConnections();
            });
        })();
        return closing;
    }

    return { server, registry, shutdown, isReady };
}
