// The comparison as one page: report.md rendered to HTML (markdown-it), each plot's SVG put into the page
// itself, so report.html opens alone in any browser, copied or mailed without its plots/ folder. Its
// Content-Security-Policy allows nothing from outside the file: a page that reached for a script, a font or
// an image elsewhere would be refused by the browser (and its check in test/browser fails on that).
import MarkdownIt from "markdown-it";

/** The page's own rules: the tables and figures readable on a laptop screen and in print. */
const style = `
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
thead { background: #f0f0f0; }
svg.plot { display: block; max-width: 100%; height: auto; margin: 1rem 0; }
`;

const policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** An SVG document as markup for inside a page: no XML prolog or doctype, and labelled for screen readers. */
function inlineSvg(svg: string, label: string): string {
    const body = svg.replace(/^\s*<\?xml[^>]*\?>\s*/, "").replace(/^\s*<!DOCTYPE[^>]*>\s*/i, "");
    if (!/^<svg[\s>]/.test(body)) {
        throw new Error(`report.html: the plot "${label}" is not an SVG document`);
    }
    return body.replace(/^<svg/, `<svg class="plot" role="img" aria-label="${escapeAttribute(label)}"`);
}

const escapeAttribute = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/**
 * The page for a report's Markdown. `plots` maps each image path the Markdown names (plots/failures.svg)
 * to that plot's SVG; an image the Markdown names but `plots` lacks is an error, not a broken picture.
 */
export function reportHtml(markdown: string, plots: Record<string, string>, title: string): string {
    const md = new MarkdownIt({ html: false, linkify: false });
    md.renderer.rules.image = (tokens, idx) => {
        const token = tokens[idx];
        const src = token.attrGet("src") ?? "";
        const svg = plots[src];
        if (svg === undefined) {
            throw new Error(`report.html: no plot for the image ${src} (have: ${Object.keys(plots).join(", ")})`);
        }
        // An <svg> is allowed where the Markdown's image was (inside its paragraph); a <figure> is not.
        return inlineSvg(svg, token.content);
    };
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        `<title>${md.utils.escapeHtml(title)}</title>`,
        `<style>${style}</style>`,
        "</head>",
        "<body>",
        md.render(markdown),
        "</body>",
        "</html>",
        "",
    ].join("\n");
}
