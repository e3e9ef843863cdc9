// The comparison report: a Markdown page with a summary table and three plots (SVG, drawn by Vega-Lite
// and rendered headless by Vega), a summary CSV and a per-second timeline CSV, plus the raw results as
// JSON so `lab report` can draw them again.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "csv-stringify/sync";
import { StrategyResult } from "./compare";
import { Point, sumSeries } from "./cost";
import { reportHtml } from "./htmlReport";
import { describeUsers, userRows, usersPlotSpec } from "./usersReport";

export interface ReportFiles {
    markdown: string;
    /** The same report as one self-contained page: the plots inside it. */
    html: string;
    summaryCsv: string;
    timelineCsv: string;
    results: string;
    plots: { versionShare: string; failures: string; resources: string; users?: string };
    /** Per strategy and step, the simulated users' figures (`--users`); absent when no user was simulated. */
    usersCsv?: string;
}

const fixed = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? "" : x.toFixed(digits));
const mib = (bytes: number | null) => (bytes === null ? null : bytes / 1024 ** 2);

/** One row per strategy: the figures the issue asks for, in the order a reader compares them. */
export function summaryRows(results: StrategyResult[]): { header: string[]; rows: string[][] } {
    const currency = results[0]?.cost.currency ?? "USD";
    const header = [
        "strategy",
        "stack",
        "requests",
        "failed",
        "failure kinds",
        "error window s",
        "time to last v1 s",
        "settled s",
        "peak replicas",
        "baseline replicas",
        "extra replica-s",
        "peak CPU cores",
        "peak memory MiB",
        "CPU core-s",
        "memory GB-s",
        `cost ${currency}`,
    ];
    const rows = results.map((r) => [
        r.strategy,
        r.stack,
        String(r.probe.requests),
        String(r.probe.failed),
        Object.entries(r.probe.failures)
            .map(([k, n]) => `${k}:${n}`)
            .join(" "),
        fixed(r.probe.errorWindow?.durationS, 1),
        // A/B and shadow keep v1 answering by design: its "last answer" is only the probe's end.
        r.strategy === "abtest" || r.strategy === "shadow"
            ? "n/a (v1 stays)"
            : r.probe.change !== null && r.probe.change.timeToLastOldS === null
              ? "before the change"
              : fixed(r.probe.change?.timeToLastOldS, 1),
        r.settledAtS === null ? "not settled" : fixed(r.settledAtS - r.changeAtS, 1),
        fixed(r.peakReplicas, 0),
        String(r.baselineReplicas),
        fixed(r.extraReplicaSeconds, 0),
        fixed(r.peakCpuCores, 3),
        fixed(mib(r.peakMemoryBytes), 0),
        fixed(r.cost.cpuCoreSeconds, 1),
        fixed(r.cost.memoryGbSeconds, 1),
        r.cost.total.toFixed(6),
    ]);
    return { header, rows };
}

/** Per second and strategy: requests, v2's share of the answers, failures, copies running. */
export function timelineRows(results: StrategyResult[]): { header: string[]; rows: (string | number)[][] } {
    const header = ["strategy", "t_s", "since_change_s", "answered", "candidate_share", "failed", "replicas", "cpu_cores", "memory_mib"];
    const rows: (string | number)[][] = [];
    for (const r of results) {
        // Every version's copies, CPU and memory added up, by whole second since the probe started.
        const bySecond = (series: Record<string, Point[]>) => new Map(sumSeries(Object.values(series)).map((p) => [Math.round(p.t), p.value]));
        const replicas = bySecond(r.series.replicas);
        const cpu = bySecond(r.series.cpuCores);
        const memoryBytes = bySecond(r.series.memoryBytes);
        for (const b of r.timeline) {
            const answered = Object.values(b.versions).reduce((a, n) => a + n, 0);
            const share = answered === 0 ? "" : ((b.versions[r.candidateVersion] ?? 0) / answered).toFixed(3);
            const memory = memoryBytes.get(b.t);
            rows.push([
                r.strategy,
                b.t,
                Math.round((b.t - r.changeAtS) * 10) / 10,
                answered,
                share,
                b.failed,
                replicas.get(b.t) ?? "",
                fixed(cpu.get(b.t), 4),
                memory === undefined ? "" : (memory / 1024 ** 2).toFixed(1),
            ]);
        }
    }
    return { header, rows };
}

type VegaLiteSpec = Record<string, unknown>;

/** The three plots, as Vega-Lite specs over the timeline rows (time is seconds since each strategy's change). */
export function plotSpecs(results: StrategyResult[]): { versionShare: VegaLiteSpec; failures: VegaLiteSpec; resources: VegaLiteSpec } {
    const { header, rows } = timelineRows(results);
    const values = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] === "" ? null : r[i]])));
    const base = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", data: { values }, width: 520, height: 200 };
    const x = { field: "since_change_s", type: "quantitative", title: "seconds since the change" };
    const color = { field: "strategy", type: "nominal", title: "strategy", sort: results.map((r) => r.strategy) };
    return {
        // One row per strategy: six lines on one chart would hide each other where they agree.
        versionShare: {
            $schema: base.$schema,
            data: base.data,
            title: "Share of answers from the new version",
            width: 520,
            height: 50,
            mark: { type: "line", interpolate: "step-after" },
            encoding: {
                x,
                y: { field: "candidate_share", type: "quantitative", title: "v2 share", scale: { domain: [0, 1] }, axis: { values: [0, 0.5, 1] } },
                color: { ...color, legend: null },
                row: { field: "strategy", type: "nominal", title: null, sort: results.map((r) => r.strategy), header: { labelAngle: 0, labelAlign: "left" } },
            },
        },
        failures: {
            ...base,
            title: "Failed requests per second",
            mark: { type: "bar" },
            encoding: { x: { ...x, bin: false }, y: { field: "failed", type: "quantitative", title: "failed requests", stack: "zero" }, color },
        },
        resources: {
            $schema: base.$schema,
            data: base.data,
            title: "Resource use over the change",
            vconcat: [
                // One row per strategy: lines at the same count would hide each other.
                {
                    width: 520,
                    height: 50,
                    mark: "line",
                    encoding: { x, y: { field: "replicas", type: "quantitative", title: "copies" }, color, row: { field: "strategy", type: "nominal", title: "copies running", sort: null } },
                },
                { width: 520, height: 140, mark: "line", encoding: { x, y: { field: "cpu_cores", type: "quantitative", title: "CPU cores (cAdvisor)" }, color } },
                { width: 520, height: 140, mark: "line", encoding: { x, y: { field: "memory_mib", type: "quantitative", title: "memory MiB (cAdvisor)" }, color } },
            ],
        },
    };
}

/** Renders a Vega-Lite spec to SVG headless (no browser, no canvas: Vega estimates text widths). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
    const vega = await import("vega");
    const vegaLite = await import("vega-lite");
    const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    try {
        return await view.toSVG();
    } finally {
        view.finalize();
    }
}

/** An SVG plot as PNG, drawn by resvg with the machine's fonts (for viewers and pages that show no SVG). */
export async function svgToPng(svg: string): Promise<Buffer> {
    const { Resvg } = await import("@resvg/resvg-js");
    const resvg = new Resvg(svg, { background: "white", fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } });
    return resvg.render().asPng();
}

function markdownTable(header: string[], rows: string[][]): string {
    const esc = (c: string) => c.replace(/\|/g, "\\|");
    return [`| ${header.map(esc).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** What each plot shows, in words (the report prints them under the plots). */
export function describePlots(results: StrategyResult[]): Record<keyof ReportFiles["plots"], string> {
    const parts = results.map((r) => {
        const settled = r.settledAtS === null ? "did not settle" : `settled ${(r.settledAtS - r.changeAtS).toFixed(1)} s after the change`;
        return `${r.strategy} ${settled}`;
    });
    return {
        versionShare: `Share of the probe's answers that came from ${results[0]?.candidateVersion ?? "v2"}, per second, with time counted from each strategy's first change: ${parts.join("; ")}.`,
        failures: `Requests that failed, per second, per strategy. ${results
            .map((r) => `${r.strategy}: ${r.probe.failed}${r.probe.failed > 0 ? ` (${Object.entries(r.probe.failures).map(([k, n]) => `${n} ${k}`).join(", ")})` : ""}`)
            .join("; ")}.`,
        resources: `Copies running, CPU and memory of the app's containers (cAdvisor) over the change. Peak copies: ${results
            .map((r) => `${r.strategy} ${r.peakReplicas ?? "n/a"} (baseline ${r.baselineReplicas})`)
            .join(", ")}.`,
        users: describeUsers(results),
    };
}

/** Writes the report into `outDir`; returns the files' paths. */
export async function writeReport(results: StrategyResult[], outDir: string, meta: { title: string; notes?: string[] }): Promise<ReportFiles> {
    if (results.length === 0) {
        throw new Error("report: no results to report");
    }
    fs.mkdirSync(path.join(outDir, "plots"), { recursive: true });
    const files: ReportFiles = {
        markdown: path.join(outDir, "report.md"),
        html: path.join(outDir, "report.html"),
        summaryCsv: path.join(outDir, "summary.csv"),
        timelineCsv: path.join(outDir, "timeline.csv"),
        results: path.join(outDir, "results.json"),
        plots: {
            versionShare: path.join(outDir, "plots", "version-share.svg"),
            failures: path.join(outDir, "plots", "failures.svg"),
            resources: path.join(outDir, "plots", "resources.svg"),
        },
    };
    const summary = summaryRows(results);
    const tl = timelineRows(results);
    fs.writeFileSync(files.summaryCsv, stringify([summary.header, ...summary.rows]));
    fs.writeFileSync(files.timelineCsv, stringify([tl.header, ...tl.rows]));
    fs.writeFileSync(files.results, `${JSON.stringify(results, null, 2)}\n`);
    const users = userRows(results);
    const usersSpec = usersPlotSpec(results);
    if (users !== undefined && usersSpec !== undefined) {
        files.usersCsv = path.join(outDir, "users.csv");
        files.plots.users = path.join(outDir, "plots", "users.svg");
        fs.writeFileSync(files.usersCsv, stringify([users.header, ...users.rows]));
    }
    const specs: Partial<Record<keyof ReportFiles["plots"], VegaLiteSpec>> = { ...plotSpecs(results), ...(usersSpec !== undefined ? { users: usersSpec } : {}) };
    const svgs: Record<string, string> = {};
    for (const key of Object.keys(specs) as (keyof ReportFiles["plots"])[]) {
        const svg = await renderSvg(specs[key]!);
        svgs[path.relative(outDir, files.plots[key]!)] = svg;
        fs.writeFileSync(files.plots[key]!, svg);
        fs.writeFileSync(files.plots[key]!.replace(/\.svg$/, ".png"), await svgToPng(svg));
    }
    const words = describePlots(results);
    const r0 = results[0];
    const md = [
        `# ${meta.title}`,
        "",
        `Platform ${r0.platform}; ${r0.stableVersion} -> ${r0.candidateVersion}; the probe sent ${r0.ratePerSecond} requests/s to each stack. ` +
            `Cost: CPU core-seconds and memory GB-seconds of the app's containers over the run, at the stack's measure.pricing.`,
        "",
        "## Summary",
        "",
        markdownTable(summary.header, summary.rows),
        "",
        "- *error window*: first to last failed request; *time to last v1*: from the change to the old version's last answer;",
        "  *extra replica-s*: copies above the stable release's own (baseline), integrated over time.",
        "",
        "## Version share over time",
        "",
        "![version share](plots/version-share.svg)",
        "",
        words.versionShare,
        "",
        "## Failures over time",
        "",
        "![failures](plots/failures.svg)",
        "",
        words.failures,
        "",
        "## Resource use",
        "",
        "![resources](plots/resources.svg)",
        "",
        words.resources,
        "",
        ...(users !== undefined
            ? [
                  "## Users",
                  "",
                  markdownTable(users.header, users.rows),
                  "",
                  "![users](plots/users.svg)",
                  "",
                  words.users,
                  "",
              ]
            : []),
        ...(meta.notes && meta.notes.length > 0 ? ["## Notes", "", ...meta.notes.map((n) => `- ${n}`), ""] : []),
        `Data: [summary.csv](summary.csv), [timeline.csv](timeline.csv)${users !== undefined ? ", [users.csv](users.csv)" : ""}, [results.json](results.json).`,
        "",
    ].join("\n");
    fs.writeFileSync(files.markdown, md);
    fs.writeFileSync(files.html, reportHtml(md, svgs, meta.title));
    return files;
}
