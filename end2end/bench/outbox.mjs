// How long after coming online a workout saved offline is stored: the Log form saves it into
// the outbox offline, the browser comes back online, and the time is taken until the API
// serves the workout (its replay, the queue and the consumer included). Prints
// {"stored_ms": [...]}.
// Usage: node bench/outbox.mjs BASE_URL [RUNS]; IRONLOG_COOKIE="name=value" signs it in.
import { launchChromium, signedInContext } from "./chromium.mjs";

const base = process.argv[2];
const runs = Number(process.argv[3] ?? 5);
if (!base || !(runs > 0)) {
  console.error("usage: node bench/outbox.mjs BASE_URL [RUNS]");
  process.exit(2);
}

const browser = await launchChromium();
const times = [];
try {
  const context = await signedInContext(browser, base);
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 15000 });
  await page.goto(base + "/");
  await page.locator("body[data-hydrated]").waitFor({ timeout: 15000 });
  for (let i = 0; i < runs; i++) {
    await context.setOffline(true);
    const first = page.locator('[data-testid="exercise"]').first();
    await first.getByLabel("Set 1 weight in kg").fill(String(100 + i));
    await first.getByLabel("Set 1 reps").fill("5");
    await page.locator('[data-testid="save"]').click();
    await page.locator('[data-testid="kept"]').waitFor({ timeout: 15000 });
    const [id] = await page.evaluate(async () => (await self.IronlogStore.pending()).map((item) => item.id));
    if (!id) throw new Error("the workout is not in the outbox");
    const started = Date.now();
    await context.setOffline(false);
    for (;;) {
      const answer = await context.request.get(`${base}/api/v1/workouts/${id}`);
      if (answer.ok()) break;
      if (Date.now() - started > 60000) throw new Error(`workout ${id} not stored within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    times.push(Date.now() - started);
    await page.goto(base + "/");
    await page.locator("body[data-hydrated]").waitFor({ timeout: 15000 });
  }
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify({ stored_ms: times }));
