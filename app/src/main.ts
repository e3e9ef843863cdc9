import { createDemoApp } from "./server";
import { SettingsError, settingsFromEnv } from "./settings";

function main(): void {
    let settings;
    try {
        settings = settingsFromEnv(process.env);
    } catch (e) {
        if (e instanceof SettingsError) {
            console.error(`demo-app: ${e.message}`);
            process.exit(2);
        }
        throw e;
    }
    const app = createDemoApp(settings);
    app.server.listen(settings.port, settings.host, () => {
        const address = app.server.address();
        const port = typeof address === "object" && address ? address.port : settings.port;
        // The tests read this line to learn the port when PORT=0.
        console.log(`demo-app ${settings.version} (${settings.color}) listening on ${settings.host}:${port}`);
    });

    const onSignal = (signal: string) => {
        console.log(`demo-app ${settings.version}: ${signal}, draining`);
        const force = setTimeout(() => {
            console.error(`demo-app ${settings.version}: in-flight requests still open after ${settings.shutdownTimeoutMs} ms, exiting`);
            process.exit(1);
        }, settings.shutdownTimeoutMs);
        force.unref();
        void app.shutdown().then(() => {
            console.log(`demo-app ${settings.version}: drained, exiting`);
            process.exit(0);
        });
    };
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("SIGINT", () => onSignal("SIGINT"));
}

main();
