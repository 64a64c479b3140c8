// The Progress page's analytics computed in Wasm, in headless Chromium: opens
// /progress?bench=RUNS (the page repeats the computation RUNS times and reports the median in
// data-compute-ms) and prints {"median_ms": m, "text": "..."}.
// Usage: node bench/analytics.mjs BASE_URL [RUNS]; IRONLOG_COOKIE="name=value" signs in.
import { launchChromium, signedInContext } from "./chromium.mjs";

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 20);
if (!base || !(runs > 0)) {
  console.error("usage: node bench/analytics.mjs BASE_URL [RUNS]");
  process.exit(2);
}
const browser = await launchChromium();
try {
  const context = await signedInContext(browser, base);
  const page = await context.newPage();
  await page.goto(`${base}/progress?bench=${runs}`);
  const figure = page.getByTestId("compute-time");
  await figure.waitFor({ timeout: 120_000 });
  const median = Number(await figure.getAttribute("data-compute-ms"));
  console.log(JSON.stringify({ median_ms: median, text: await figure.innerText() }));
} finally {
  await browser.close();
}
