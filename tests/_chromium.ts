/**
 * The headless browser the HTML tests drive: Debian's `chromium`, found
 * through `CHROME_PATH` or `PUPPETEER_EXECUTABLE_PATH`, or on PATH.
 * @module
 */
import assert from "node:assert/strict";
import { basename, delimiter, join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

/** Browser commands looked for on PATH, Debian's first. */
const BROWSERS = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

/** The browser to drive, or why there is none. */
export function findChromium(): { path: string } | { why: string } {
  const isFile = (path: string) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  };
  for (const name of ["CHROME_PATH", "PUPPETEER_EXECUTABLE_PATH"]) {
    const path = Deno.env.get(name);
    if (!path) continue;
    if (isFile(path)) return { path };
    return { why: `${name} is "${path}", which is not a file` };
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    for (const name of BROWSERS) {
      if (dir && isFile(join(dir, name))) return { path: join(dir, name) };
    }
  }
  return {
    why: `none of ${
      BROWSERS.join(", ")
    } on PATH, and neither CHROME_PATH nor PUPPETEER_EXECUTABLE_PATH is set (Debian: apt-get install chromium)`,
  };
}

/** A page whose every request but the allowed ones is blocked and recorded. */
export interface GuardedPage {
  browser: Browser;
  page: Page;
  /** The allowed URLs the page loaded, each once, in order. */
  requests: string[];
  /** Blocked requests, console errors and warnings, page errors, dialogs. */
  errors: string[];
}

/**
 * Launches headless Chromium with one 1280×900 page that may load each of
 * `allow` once and nothing else; the caller closes `browser`.
 */
export async function openGuardedPage(
  executablePath: string,
  allow: readonly string[],
): Promise<GuardedPage> {
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // Chromium refuses its sandbox to root (containers, CI images).
    args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const requests: string[] = [];
    const errors: string[] = [];
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (allow.includes(request.url()) && !requests.includes(request.url())) {
        requests.push(request.url());
        return void request.continue();
      }
      errors.push(`request: ${request.url()}`);
      void request.abort();
    });
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warn") {
        errors.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => errors.push(`page error: ${error}`));
    page.on("dialog", (dialog) => {
      errors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return { browser, page, requests, errors };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Takes a full-page screenshot to `path` (or, by its name, into
 * `TENSILE_SCREENSHOT_DIR` when that is set, to keep it) and checks it is a
 * PNG of some substance.
 */
export async function assertScreenshot(
  page: Page,
  path: string,
): Promise<void> {
  const keep = Deno.env.get("TENSILE_SCREENSHOT_DIR");
  if (keep) path = join(keep, basename(path));
  await page.screenshot({ path, fullPage: true });
  const png = await Deno.readFile(path);
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    "a PNG",
  );
  assert.ok(png.length > 10_000, `${png.length} bytes`);
}
