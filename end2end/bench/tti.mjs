// Time to interactive: navigation start to hydrated (the app sets body[data-hydrated]), in
// headless Chromium. Cold: each load in a fresh context (no cache, no service worker). Warm:
// one context whose service worker has installed (the build precached), each load a new page.
// Prints {"loads_ms": [...]}.
// Usage: node bench/tti.mjs BASE_URL [LOADS] [cold|warm]; IRONLOG_COOKIE="name=value" signs
// each load in (the Log page is for signed-in users).
import { launchChromium, signedInContext } from "./chromium.mjs";

const base = process.argv[2];
const loads = Number(process.argv[3] ?? 20);
const mode = process.argv[4] ?? "cold";
if (!base || !(loads > 0) || !["cold", "warm"].includes(mode)) {
  console.error("usage: node bench/tti.mjs BASE_URL [LOADS] [cold|warm]");
  process.exit(2);
}

const MARK = () => {
  const seen = () => {
    if (document.body && document.body.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      return true;
    }
    return false;
  };
  new MutationObserver((_, obs) => { if (seen()) obs.disconnect(); })
    .observe(document, { subtree: true, attributes: true, childList: true });
};

async function timed(page) {
  await page.goto(base + "/");
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 15000 });
  return page.evaluate(() => window.__hydratedAt);
}

const browser = await launchChromium();
const times = [];
try {
  if (mode === "warm") {
    const context = await signedInContext(browser, base);
    // Runs before any page script: note the moment the hydration marker appears.
    await context.addInitScript(MARK);
    const first = await context.newPage();
    await first.goto(base + "/");
    await first.evaluate(() => navigator.serviceWorker.ready);
    await first.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 15000 });
    await first.close();
    for (let i = 0; i < loads; i++) {
      const page = await context.newPage();
      times.push(await timed(page));
      await page.close();
    }
    await context.close();
  } else {
    for (let i = 0; i < loads; i++) {
      const context = await signedInContext(browser, base);
      await context.addInitScript(MARK);
      times.push(await timed(await context.newPage()));
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ loads_ms: times }));
