import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { chromium, Browser } from "playwright-core";
import { writeReport } from "../../tools/lab/compare/report";
import { bluegreen, recreate } from "../support/compareFixtures";
import { tempDir } from "../support/localProcesses";

// lab compare's report.html in a real headless browser (Debian's Chromium, driven by playwright-core;
// CHROMIUM_BIN names another): it must render with no error, no console message of level error, no request
// for anything but the page itself, and each plot must be on the page, drawn: a screenshot of it must
// carry ink and colour. The page's screenshot is kept (E2E_RESULTS: <name>.report.png beside it).

const executablePath = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

/** Counts, in the browser, a PNG's pixels that are not near-white (ink) and that are clearly coloured. */
const inkOf = `async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0, colour = 0;
    for (let p = 0; p < d.length; p += 4) {
        const r = d[p], g = d[p + 1], b = d[p + 2];
        if (r < 200 || g < 200 || b < 200) ink++;
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colour++;
    }
    return { width: canvas.width, height: canvas.height, ink, colour };
}`;

describe("lab compare's report.html in a real headless Chromium", function () {
    this.timeout(120_000);
    let browser: Browser | undefined;

    before(async function () {
        if (!fs.existsSync(executablePath)) {
            throw new Error(`no Chromium at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_BIN`);
        }
        browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
    });

    after(async () => {
        await browser?.close();
    });

    it("renders with no error and nothing fetched; the table and each plot are on the page and drawn", async () => {
        const dir = tempDir("report-browser");
        const files = await writeReport([recreate, bluegreen], dir, { title: "Strategy comparison (browser check)" });
        const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        const requests: string[] = [];
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("console", (m) => {
            if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
        });
        page.on("request", (r) => requests.push(r.url()));
        const pageUrl = `file://${files.html}`;
        const response = await page.goto(pageUrl, { waitUntil: "load" });
        assert.ok(response?.ok(), `the page loads: ${response?.status()}`);

        assert.equal(await page.title(), "Strategy comparison (browser check)");
        const rows = await page.locator("table").first().locator("tbody tr").allInnerTexts();
        assert.equal(rows.length, 2, "one row per strategy");
        assert.match(rows[0], /^recreate\s+swarm-recreate\s+300\s+40\s+http-503:40/);

        const plots = page.locator("svg.plot");
        assert.equal(await plots.count(), 3, "three plots on the page");
        const drawn: Record<string, unknown>[] = [];
        for (let i = 0; i < 3; i++) {
            const plot = plots.nth(i);
            const label = await plot.getAttribute("aria-label");
            const box = await plot.boundingBox();
            assert.ok(box !== null && box.width > 300 && box.height > 150, `${label}: laid out (${JSON.stringify(box)})`);
            const png = await plot.screenshot();
            const ink = (await page.evaluate(`(${inkOf})(${JSON.stringify(png.toString("base64"))})`)) as { width: number; height: number; ink: number; colour: number };
            drawn.push({ label, ...ink });
            const pixels = ink.width * ink.height;
            assert.ok(ink.ink > pixels * 0.02, `${label}: axes, labels and marks drawn (${ink.ink} of ${pixels} pixels not white)`);
            assert.ok(ink.colour > 300, `${label}: coloured marks drawn (${ink.colour} coloured pixels)`);
        }
        console.log(`      plots drawn: ${JSON.stringify(drawn)}`);

        const shot = process.env.E2E_RESULTS ? process.env.E2E_RESULTS.replace(/(\.json)?$/, ".report.png") : path.join(dir, "report.png");
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`      screenshot: ${shot}`);
        assert.deepEqual(problems, [], "no page error, console error or warning");
        assert.deepEqual(requests, [pageUrl], "nothing requested but the page itself");
        await page.close();
    });
});
