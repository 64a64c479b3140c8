// The Progress page's analytics computed in Wasm, in headless Chromium: opens
// /progress?bench=RUNS (the page repeats the computation RUNS times and reports the median in
// data-compute-ms) and prints {"median_ms": m, "text": "..."}.
// Usage: node bench/analytics.mjs BASE_URL [RUNS]; IRONLOG_COOKIE="name=value" signs in.
import { chromium } from "@playwright/test";

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 20);
if (!base || !(runs > 0)) {
  console.error("usage: node bench/analytics.mjs BASE_URL [RUNS]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
try {
  const context = await browser.newContext();
  const cookie = process.env.IRONLOG_COOKIE;
  if (cookie) {
    const [name, ...value] = cookie.split("=");
    await context.addCookies([{ name, value: value.join("="), url: base }]);
  }
  const page = await context.newPage();
  await page.goto(`${base}/progress?bench=${runs}`);
  const figure = page.getByTestId("compute-time");
  await figure.waitFor({ timeout: 120_000 });
  const median = Number(await figure.getAttribute("data-compute-ms"));
  console.log(JSON.stringify({ median_ms: median, text: await figure.innerText() }));
} finally {
  await browser.close();
}
