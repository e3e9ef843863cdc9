import { strict as assert } from "assert";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import * as fs from "fs";
import * as path from "path";
import { parseLabConfig } from "../../../components/labConfig";
import { StrategyResult, baselineReplicas, comparisonStacks, settledAt, usersPerStep } from "./compare";
import { reportHtml } from "./htmlReport";
import { describePlots, plotSpecs, summaryRows, writeReport } from "./report";
import { userRows, usersPlotSpec } from "./usersReport";
import { knownStacks } from "../../lib/stackFile";
import { ProbeRecord } from "../../probe/summary";
import { tempDir } from "../../../test/support/localProcesses";
import { MiB, bluegreen, recreate, records } from "../../../test/support/compareFixtures";

describe("lab compare: figures from the probe and Prometheus's series", () => {
    it("recreate: the failed requests, their kind, the error window and the time to the last v1 answer", () => {
        assert.equal(recreate.probe.requests, 300);
        assert.equal(recreate.probe.failed, 40);
        assert.deepEqual(recreate.probe.failures, { "http-503": 40 });
        assert.equal(recreate.probe.errorWindow?.durationS, 3.9);
        assert.equal(recreate.probe.change?.timeToLastOldS, null, "the last v1 answer came before the change mark");
        assert.equal(recreate.peakReplicas, 3);
        assert.equal(recreate.extraReplicaSeconds, 0);
        assert.equal(recreate.settledAtS, 25, "the first 5 s window from the last change with no failure and only v2 (looked at up to 30 s)");
    });

    it("blue/green: no failure, double the tasks: 3 extra tasks for the whole 30 s, and double the cost", () => {
        assert.equal(bluegreen.probe.failed, 0);
        assert.equal(bluegreen.peakReplicas, 6);
        assert.equal(bluegreen.extraReplicaSeconds, 90);
        assert.equal(bluegreen.peakCpuCores, 0.06);
        assert.equal(bluegreen.peakMemoryBytes, 240 * MiB);
        assert.ok(Math.abs(bluegreen.cost.cpuCoreSeconds - 1.8) < 1e-9, String(bluegreen.cost.cpuCoreSeconds));
        assert.ok(bluegreen.cost.total > 1.9 * recreate.cost.total, `${bluegreen.cost.total} vs ${recreate.cost.total}`);
    });

    it("settled means: no failure and v2's share as expected over the whole window after the change", () => {
        const recs = records(30, (t) => (t < 12 ? "v1" : t < 20 ? (Math.round(t * 10) % 2 === 0 ? "v1" : "v2") : "v2"));
        assert.equal(settledAt(recs, "v2", 1, 10, 18, 5), null, "mixed");
        assert.equal(settledAt(recs, "v2", 1, 10, 26, 5), 21);
        assert.equal(settledAt(recs, "v2", 0.5, 10, 19, 5), 14, "an A/B group of half the requests");
        assert.equal(settledAt(recs, "v2", 1, 24, 26, 5), null, "a window that starts before the last change does not count");
        assert.equal(settledAt(records(30, () => "v1"), "v2", 0, 10, 30, 5), 25, "shadow: users keep v1");
    });

    it("the baseline is the stable release's own copies (a native Kubernetes canary: the total)", () => {
        assert.equal(baselineReplicas(parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, stable: { version: "v1", replicas: 4 } })), 4);
        assert.equal(baselineReplicas(parseLabConfig({ strategy: "canary", candidate: { version: "v2" }, canary: { totalReplicas: 8 } })), 8);
    });

    it("picks one stack per strategy for a platform, the plainest provider first", () => {
        assert.deepEqual(comparisonStacks("swarm", knownStacks()), ["swarm-recreate", "swarm-rolling", "swarm-bluegreen", "swarm-canary", "swarm-abtest", "swarm-shadow"]);
        assert.deepEqual(comparisonStacks("kind", knownStacks()), ["kind-recreate", "kind-rolling", "kind-bluegreen", "kind-canary", "kind-abtest-nginx", "kind-shadow-nginx"]);
    });
});

describe("lab compare: the report", function () {
    this.timeout(60_000);

    it("writes the summary table, three SVG plots drawn by Vega-Lite, the CSVs and the raw results", async () => {
        const dir = tempDir("report");
        const files = await writeReport([recreate, bluegreen], dir, { title: "Strategy comparison (test)", notes: ["synthetic figures"] });
        const md = fs.readFileSync(files.markdown, "utf8");
        const table = md.split("\n").filter((l) => l.startsWith("| "));
        assert.equal(table.length, 3, "header and one row per strategy");
        assert.match(table[1], /^\| recreate \| swarm-recreate \| 300 \| 40 \| http-503:40 \| 3\.9 \| before the change \| 15\.0 \| 3 \| 3 \| 0 \|/);
        assert.match(table[2], /^\| bluegreen \| swarm-bluegreen \| 300 \| 0 \|  \|  \| before the change \| 15\.0 \| 6 \| 3 \| 90 \| 0\.060 \| 240 \|/);
        for (const img of ["plots/version-share.svg", "plots/failures.svg", "plots/resources.svg"]) {
            assert.ok(md.includes(`(${img})`), img);
        }
        assert.ok(md.includes("recreate: 40 (40 http-503)"), "the failures plot's description");

        const svg = fs.readFileSync(files.plots.versionShare, "utf8");
        assert.match(svg, /^<svg /);
        assert.match(svg, /seconds since the change/);
        assert.match(svg, /recreate/);
        assert.match(svg, /bluegreen/);
        assert.match(fs.readFileSync(files.plots.resources, "utf8"), /copies running/);
        // Each plot also as PNG (resvg), twice the SVG's size: the PNG signature and its width in the IHDR chunk.
        for (const key of ["versionShare", "failures", "resources"] as const) {
            const png = fs.readFileSync(files.plots[key].replace(/\.svg$/, ".png"));
            assert.equal(png.subarray(0, 8).toString("hex"), "89504e470d0a1a0a", key);
            const svgWidth = Number(/^<svg[^>]* width="(\d+)"/.exec(fs.readFileSync(files.plots[key], "utf8"))![1]);
            assert.equal(png.readUInt32BE(16), 2 * svgWidth, `${key}: PNG width`);
        }
        // A line per strategy in the share plot.
        assert.ok((svg.match(/<path [^>]*class="[^"]*"[^>]*d="M/g) ?? svg.match(/<path[^>]* d="M/g) ?? []).length >= 2, "lines drawn");

        const summaryCsv = fs.readFileSync(files.summaryCsv, "utf8").trim().split("\n");
        assert.equal(summaryCsv.length, 3);
        assert.equal(summaryCsv[0].split(",")[0], "strategy");
        const timeline = fs.readFileSync(files.timelineCsv, "utf8").trim().split("\n");
        assert.equal(timeline.length, 1 + 30 + 30);
        assert.equal(timeline[0], "strategy,t_s,since_change_s,answered,candidate_share,failed,replicas,cpu_cores,memory_mib");
        assert.equal(timeline[12], "recreate,11,1,0,,10,0,0.0000,0.0", "during recreate's gap: nothing answered, 10 failed, no task");
        assert.equal(timeline[31 + 15], "bluegreen,15,5,10,1.000,0,6,0.0600,240.0");
        assert.deepEqual((JSON.parse(fs.readFileSync(files.results, "utf8")) as StrategyResult[]).map((r) => r.strategy), ["recreate", "bluegreen"]);
        // No simulated users: no users section, table or plot.
        assert.equal(files.usersCsv, undefined);
        assert.ok(!md.includes("## Users"));
        assert.ok(!fs.existsSync(path.join(dir, "plots", "users.svg")));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("report.html: the same report as one page, each plot's SVG inside it, nothing fetched from elsewhere", async () => {
        const dir = tempDir("report-html");
        const files = await writeReport([recreate, bluegreen], dir, { title: "Strategy comparison <test>" });
        const html = fs.readFileSync(files.html, "utf8");
        assert.match(html, /^<!DOCTYPE html>/);
        assert.match(html, /<title>Strategy comparison &lt;test&gt;<\/title>/);
        assert.match(html, /<td>recreate<\/td>\s*<td>swarm-recreate<\/td>\s*<td>300<\/td>\s*<td>40<\/td>/, "the summary table's recreate row");
        const svgs = html.match(/<svg class="plot" role="img" aria-label="[^"]+"/g) ?? [];
        assert.deepEqual(svgs.map((t) => /aria-label="([^"]+)"/.exec(t)![1]), ["version share", "failures", "resources"]);
        assert.ok(!/<img|<script|<link|src=|url\(/i.test(html), "no image, script, stylesheet or URL to load");
        assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
        assert.ok(html.includes(fs.readFileSync(files.plots.failures, "utf8").replace(/^<svg/, "").slice(0, 200)), "the failures plot as drawn for the Markdown");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("report.html refuses an image it has no plot for, naming it", () => {
        assert.throws(() => reportHtml("![x](plots/missing.svg)", { "plots/failures.svg": "<svg></svg>" }, "t"), /no plot for the image plots\/missing\.svg \(have: plots\/failures\.svg\)/);
        assert.throws(() => reportHtml("![x](plots/a.svg)", { "plots/a.svg": "<html></html>" }, "t"), /the plot "x" is not an SVG document/);
    });

    it("a plot description names each strategy's outcome", () => {
        const d = describePlots([recreate, bluegreen]);
        assert.match(d.versionShare, /recreate settled 15\.0 s after the change; bluegreen settled/);
        assert.match(d.resources, /bluegreen 6 \(baseline 3\)/);
        assert.equal(summaryRows([recreate]).header.at(-1), "cost USD");
    });

    it("the plots are valid Vega-Lite: every spec passes the library's own JSON schema and names its major version", () => {
        // The schema vega-lite ships (build/vega-lite-schema.json) is the one vega.github.io publishes.
        const schema = JSON.parse(fs.readFileSync(require.resolve("vega-lite/vega-lite-schema.json"), "utf8"));
        const ajv = new Ajv({ strict: false, allErrors: true });
        addFormats(ajv);
        // The schema's HexColor uses a format ajv-formats lacks ("#rgb", "#rrggbb", with alpha): check it, and ajv prints no warning.
        ajv.addFormat("color-hex", /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i);
        const validate = ajv.compile(schema);
        const vegaLiteMajor = (JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve("vega-lite")), "..", "package.json"), "utf8")).version as string).split(".")[0];
        const specs = plotSpecs([recreate, bluegreen]);
        assert.deepEqual(Object.keys(specs).sort(), ["failures", "resources", "versionShare"]);
        const withUsers = { ...bluegreen, users: { count: 2, steps: [{ label: "before", users: 2, shares: { v1: 1 }, flipped: 0, flipRate: 0 }] } };
        for (const [name, spec] of [...Object.entries(specs), ["users", usersPlotSpec([withUsers])!] as const]) {
            const ok = validate(spec);
            assert.ok(ok, `${name}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
            assert.equal(spec.$schema, `https://vega.github.io/schema/vega-lite/v${vegaLiteMajor}.json`, `${name}: $schema`);
        }
        // The check can fail: a mark Vega-Lite does not know is refused.
        assert.equal(validate({ ...specs.failures, mark: { type: "bars" } }), false);
    });

    describe("simulated users (--users)", () => {
        // 4 users, request i is user i % 4's, 10 requests/s for 30 s. Before the change (0-10 s) all on v1;
        // "weight 50" (10-20 s): users 0 and 1 on v2, user 2 on v1 until 15 s and v2 after, user 3 on v1;
        // "weight 100" (20-30 s): all on v2.
        const answer = (t: number, user: number) => (t < 10 ? "v1" : t < 20 ? (user < 2 || (user === 2 && t >= 15) ? "v2" : "v1") : "v2");
        const recs: ProbeRecord[] = Array.from({ length: 300 }, (_, i) => ({ sentAtMs: i * 100, latencyMs: 3, version: answer(i / 10, i % 4), user: i % 4 }));
        const steps = [
            { label: "before", fromS: 0, toS: 10 },
            { label: "weight 50", fromS: 10, toS: 20 },
            { label: "weight 100", fromS: 20, toS: 30 },
        ];

        it("per step: the users answered, the share on each version alone, and the users who saw both", () => {
            assert.deepEqual(usersPerStep(recs, steps), {
                count: 4,
                steps: [
                    { label: "before", users: 4, shares: { v1: 1 }, flipped: 0, flipRate: 0 },
                    { label: "weight 50", users: 4, shares: { v1: 0.25, v2: 0.5 }, flipped: 1, flipRate: 0.25 },
                    { label: "weight 100", users: 4, shares: { v2: 1 }, flipped: 0, flipRate: 0 },
                ],
            });
            assert.equal(usersPerStep(records(30, () => "v1"), steps), undefined, "no user's request: no users figures");
        });

        it("the report: a users table, users.csv and a plot of each step's flip rate", async () => {
            const canary = { ...bluegreen, strategy: "canary", stack: "swarm-canary", users: usersPerStep(recs, steps) };
            assert.deepEqual(userRows([recreate, canary])!.rows, [
                ["canary", "before", "4", "1.000", "0.000", "0", "0.000"],
                ["canary", "weight 50", "4", "0.250", "0.500", "1", "0.250"],
                ["canary", "weight 100", "4", "0.000", "1.000", "0", "0.000"],
            ]);
            assert.equal(userRows([recreate]), undefined);
            const dir = tempDir("lab-report-users-");
            const files = await writeReport([recreate, canary], dir, { title: "users (test)" });
            const md = fs.readFileSync(files.markdown, "utf8");
            assert.ok(md.includes("## Users"));
            assert.ok(md.includes("| canary | weight 50 | 4 | 0.250 | 0.500 | 1 | 0.250 |"), md);
            assert.ok(md.includes("Highest per strategy: canary 0.250 of 4 users"));
            assert.ok(md.includes("(plots/users.svg)") && md.includes("[users.csv](users.csv)"));
            assert.equal(fs.readFileSync(files.usersCsv!, "utf8").trim().split("\n")[2], "canary,weight 50,4,0.250,0.500,1,0.250");
            const svg = fs.readFileSync(files.plots.users!, "utf8");
            assert.match(svg, /^<svg /);
            assert.match(svg, /flip rate/);
            assert.match(svg, /1: weight 50/);
            assert.equal(fs.readFileSync(files.plots.users!.replace(/\.svg$/, ".png")).subarray(0, 8).toString("hex"), "89504e470d0a1a0a");
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });
});
