/**
 * The page every HTML format shares: the document shell with its
 * Content-Security-Policy, the base style sheet, and table header rows. The
 * policy allows only the page's own style and script, by hash, so a page can
 * make no request of any kind and injected markup could run nothing.
 * @module
 */
import { createHash } from "node:crypto";

/** The style sheet of the HTML reports (a page may append its own rules). */
export const PAGE_STYLE = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg2:#f6f8fa}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0 auto;max-width:1180px;padding:16px 24px 48px}
h1{font-size:22px;margin:0}h2{font-size:18px;margin:36px 0 6px;border-top:1px solid var(--line);padding-top:18px}
h3{font-size:14px;margin:18px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.banner{display:flex;gap:18px;align-items:center;padding:14px 18px;border-radius:8px;background:var(--bg2);border:1px solid var(--line)}
.grade{font-size:34px;font-weight:700;min-width:64px;text-align:center;border-radius:8px;padding:2px 10px;color:#fff}
.badge{font-weight:700;border-radius:4px;padding:0 6px;color:#fff}
.g-a{background:#1a7f37}.g-b{background:#9a6700}.g-c{background:#bc4c00}.g-d,.g-f{background:#cf222e}
.muted,.meta{color:var(--muted)}.meta{margin:4px 0}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
th{background:var(--bg2)}
#scenarios td:nth-child(n+5),.slo td:nth-child(2),.latency td+td,.outcomes td+td,.counters td+td,.failures td:nth-child(2){text-align:right;font-variant-numeric:tabular-nums}
th button{all:unset;cursor:pointer}th button::after{content:" \\2195";color:var(--muted)}
th[aria-sort=ascending] button::after{content:" \\2191"}th[aria-sort=descending] button::after{content:" \\2193"}
.l-optimal{color:#1a7f37}.l-warning,.l-critical{color:#9a6700}.l-failed,.bad{color:#cf222e;font-weight:600}.good{color:#1a7f37}
.charts{display:flex;flex-wrap:wrap;gap:10px}.chart{background:#fff;border:1px solid var(--line);border-radius:6px;width:360px;height:170px}.chart.bar{width:560px;height:28px;border-radius:3px}
.chart text{font-size:10px;fill:var(--muted)}.chart .yt{text-anchor:end}.chart .xt{text-anchor:middle}
.grid{stroke:#eaeef2;stroke-width:1;fill:none}.line{fill:none;stroke-width:1.8}.dot{stroke-width:5;stroke-linecap:round;fill:none}.key{stroke-width:3}
.s0{stroke:#0969da}.s1{stroke:#bc4c00}.s2{stroke:#8250df}
.bar.none{fill:#eaeef2}.o-ok{fill:#1a7f37}.o-validation{fill:#8250df}.o-conflict{fill:#bc4c00}.o-busy{fill:#9a6700}.o-timeout{fill:#0969da}.o-fault{fill:#57606a}.o-error{fill:#cf222e}
figure{margin:0}.chart .ct{font-size:11px;font-weight:600;fill:var(--fg)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}dt{color:var(--muted)}dd{margin:0}
pre,code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-word}
`;

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
}

/** What {@link htmlPage} assembles. */
export interface HtmlPage {
  /** The document title, already escaped. */
  title: string;
  /** The whole style sheet (allowed by its hash). */
  style: string;
  /** An inline script run at the end of the body, if any (by hash too). */
  script?: string;
  /** The body's parts, already safe HTML, one a line. */
  body: readonly string[];
}

/** One self-contained page: only its own style and script may run or load. */
export function htmlPage(page: HtmlPage): string {
  const csp = `default-src 'none'; style-src ${
    sha256(page.style)
  }; script-src ${
    page.script === undefined ? "'none'" : sha256(page.script)
  }; base-uri 'none'; form-action 'none'`;
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${page.title}</title>`,
    `<style>${page.style}</style></head><body>`,
    ...page.body,
    ...(page.script === undefined ? [] : [`<script>${page.script}</script>`]),
    "</body></html>",
    "",
  ].join("\n");
}

/** `<tr>` of header cells (already escaped), each a sort button when `sortable`. */
export function headRow(names: readonly string[], sortable = false): string {
  return `<tr>${
    names.map((name) =>
      sortable ? `<th><button type="button">${name}</button>` : `<th>${name}`
    ).join("")
  }`;
}
