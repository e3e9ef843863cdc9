// `lab watch` in a terminal: Ink (React for terminals) draws the frame and redraws only what changed. Ink
// is an ES module with top-level await in its layout engine, so it is loaded with import(), not require().
import type { ReactElement } from "react";
import { WatchEvent, WatchFrame, shareBar } from "./model";

export interface LiveView {
    /** Draws a new frame (Ink keeps to its own frame rate: at most a few redraws a second). */
    show(frame: WatchFrame, events: WatchEvent[]): void;
    /** Resolves when the user quits (q, Ctrl-C) or close() is called. */
    closed: Promise<void>;
    close(): void;
}

const colourOf: Record<string, string> = { blue: "blue", green: "green" };
const fmt = (x: number | null | undefined, digits: number, unit = "") => (x === null || x === undefined ? "-" : `${x.toFixed(digits)}${unit}`);

/** Starts the view on the terminal; `unit` names the copies ("pods", "tasks"), `source` where figures come from. */
export async function startLiveView(unit: string, source: string): Promise<LiveView> {
    const [ink, React] = await Promise.all([import("ink"), import("react")]);
    const h = React.createElement;
    const { Box, Text } = ink;

    function Frame(props: { frame: WatchFrame; events: WatchEvent[]; onQuit: () => void }): ReactElement {
        const { isRawModeSupported } = ink.useStdin();
        ink.useInput(
            (input, key) => {
                if (input === "q" || (key.ctrl && input === "c")) {
                    props.onQuit();
                }
            },
            { isActive: isRawModeSupported === true },
        );
        const f = props.frame;
        const rows = f.versions.map((v) =>
            h(
                Box,
                { key: v.version, gap: 1 },
                h(Text, { color: colourOf[v.color], bold: true }, v.version.padEnd(4)),
                h(Text, { color: colourOf[v.color] }, shareBar(v.share, v.configured, 30)),
                h(Text, null, `${fmt(v.share, 1, "%").padStart(6)} of answers, set ${v.configured}%`),
                v.users !== undefined ? h(Text, null, `users ${fmt(v.users, 1, "%")}`) : null,
                h(Text, null, `${fmt(v.rps, 1).padStart(6)} req/s`),
                h(Text, { color: (v.errorRatio ?? 0) > 0 ? "red" : undefined }, `err ${v.errorRatio === null ? "-" : fmt(v.errorRatio * 100, 1, "%")}`),
                h(Text, null, `p95 ${fmt(v.p95Ms, 0, " ms")}`),
                v.replicas !== undefined
                    ? h(Text, { color: v.replicas.running < v.replicas.desired ? "yellow" : undefined }, `${unit} ${v.replicas.running}/${v.replicas.desired}`)
                    : null,
            ),
        );
        return h(
            Box,
            { flexDirection: "column", paddingX: 1 },
            h(Text, { bold: true }, `lab watch ${f.stack}   ${f.at.toISOString().slice(11, 19)}   ${source}, last ${f.windowS} s`),
            h(Text, null, `routing: ${f.routing}${f.step !== null ? `   [${f.step}]` : ""}`),
            h(Box, { flexDirection: "column", marginY: 1 }, ...rows),
            f.unattributedFailures ? h(Text, { color: "red" }, `${f.unattributedFailures} requests failed in the window`) : null,
            ...f.problems.map((p) => h(Text, { key: p, color: "yellow" }, `cannot read: ${p}`)),
            h(Text, { bold: true }, "events"),
            ...(props.events.length === 0
                ? [h(Text, { key: "none", dimColor: true }, "  none yet")]
                : props.events.slice(-6).map((e, i) => h(Text, { key: `${i}` }, `  ${e.at.toISOString().slice(11, 19)} ${e.text}`))),
            h(Text, { dimColor: true }, "q or Ctrl-C: quit"),
        );
    }

    let quit: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (quit = resolve));
    let app: ReturnType<typeof ink.render> | undefined;
    const close = () => {
        app?.unmount();
        quit();
    };
    return {
        show(frame, events) {
            const element = h(Frame, { frame, events, onQuit: close });
            if (app === undefined) {
                // Ink's own Ctrl-C handling would exit the process; the view's onQuit ends it cleanly instead.
                // Interactive even where CI is set (the view is only started on a terminal), at most 4
                // redraws a second, and only the lines that changed.
                app = ink.render(element, { exitOnCtrlC: false, patchConsole: false, interactive: true, maxFps: 4, incrementalRendering: true });
            } else {
                app.rerender(element);
            }
        },
        closed,
        close,
    };
}
