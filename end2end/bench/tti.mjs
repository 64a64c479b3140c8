// Time to interactive: navigation start to hydrated (the app sets body[data-hydrated]), in
// headless Chromium, each load in a fresh context (cold cache). Prints {"loads_ms": [...]}.
// Usage: node bench/tti.mjs BASE_URL [LOADS]; IRONLOG_COOKIE="name=value" signs each load in
// (the Log page is for signed-in users).
import { launchChromium, signedInContext } from "./chromium.mjs";

const base = process.argv[2];
const loads = Number(process.argv[3] ?? 20);
if (!base || !(loads > 0)) {
  console.error("usage: node bench/tti.mjs BASE_URL [LOADS]");
  process.exit(2);
}

const browser = await launchChromium();
const times = [];
try {
  for (let i = 0; i < loads; i++) {
    const context = await signedInContext(browser, base);
    const page = await context.newPage();
    // Runs before any page script: note the moment the hydration marker appears.
    await page.addInitScript(() => {
      const seen = () => {
        if (document.body && document.body.hasAttribute("data-hydrated")) {
          window.__hydratedAt = performance.now();
          return true;
        }
        return false;
      };
      new MutationObserver((_, obs) => { if (seen()) obs.disconnect(); })
        .observe(document, { subtree: true, attributes: true, childList: true });
    });
    await page.goto(base + "/");
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 15000 });
    times.push(await page.evaluate(() => window.__hydratedAt));
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ loads_ms: times }));
