// What each page downloads of the site's code: the /pkg/ files (Wasm, JS, CSS, lazy islands'
// chunks) and the public scripts a cold load of the page fetches until its islands are
// hydrated and the network is idle, by their path under the site's root.
// Prints {"pages": {"/": ["pkg/ironlog.wasm", "device-store.js", ...], ...}}.
// Usage: node bench/pages.mjs BASE_URL PATH...; IRONLOG_COOKIE="name=value" signs each load in.
import { launchChromium, signedInContext } from "./chromium.mjs";

const [base, ...paths] = process.argv.slice(2);
if (!base || paths.length === 0) {
  console.error("usage: node bench/pages.mjs BASE_URL PATH...");
  process.exit(2);
}

const browser = await launchChromium();
const pages = {};
try {
  for (const path of paths) {
    const context = await signedInContext(browser, base);
    const page = await context.newPage();
    await page.goto(base + path);
    await page.locator("body[data-hydrated]").waitFor({ timeout: 15000 });
    // Lazy islands fetch their chunks once hydration reaches them.
    await page.waitForLoadState("networkidle");
    pages[path] = await page.evaluate(() =>
      [...new Set(performance.getEntriesByType("resource")
        .map((e) => new URL(e.name).pathname)
        // The worker's own script is generated, not a file, and comes after the page.
        .filter((p) => p.startsWith("/pkg/") || (/^\/[\w-]+\.js$/.test(p) && p !== "/sw.js"))
        .map((p) => p.slice(1)))].sort());
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ pages }));
