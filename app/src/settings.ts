// The demo app's settings, read from the environment once at start.

export interface AppSettings {
    /** Shown in every answer and used as the `version` label of every metric. */
    version: string;
    /** blue / green / stable / canary: which slot of the strategy this copy fills. */
    color: string;
    port: number;
    host: string;
    /** /ready answers 503 until this many ms after start, like a service warming up. */
    readyDelayMs: number;
    /** Share (0..1) of requests to / answered with 500: a bad release. */
    errorRate: number;
    /** Extra ms before answering /: a slow release. */
    latencyMs: number;
    /** After SIGTERM, keep serving (while unready) this long before closing, for balancers that poll. */
    drainDelayMs: number;
    /** Give up on in-flight requests after this long and exit anyway. */
    shutdownTimeoutMs: number;
}

export class SettingsError extends Error {}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
    const text = env[name];
    if (text === undefined || text === "") {
        return fallback;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
        throw new SettingsError(`${name}: got "${text}"; allowed: a number from ${min} to ${max}`);
    }
    return value;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): AppSettings {
    return {
        version: env.VERSION || "dev",
        // Not COLOR: npm sets that (to 0 or 1) for every script it runs, so `npm run app:start` would answer "color":"0".
        color: env.APP_COLOR || "none",
        port: number(env, "PORT", 8080, 0, 65535),
        host: env.HOST || "0.0.0.0",
        readyDelayMs: number(env, "READY_DELAY_MS", 0, 0, 3_600_000),
        errorRate: number(env, "ERROR_RATE", 0, 0, 1),
        latencyMs: number(env, "LATENCY_MS", 0, 0, 600_000),
        drainDelayMs: number(env, "DRAIN_DELAY_MS", 0, 0, 600_000),
        shutdownTimeoutMs: number(env, "SHUTDOWN_TIMEOUT_MS", 25_000, 0, 3_600_000),
    };
}
