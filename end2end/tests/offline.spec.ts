import { test, expect, chromium, BrowserContext, Page, Request } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PASSWORD, signUp } from "./account";

// The device side of "nothing is lost, nothing is counted twice": the Log form's draft, the
// outbox of workouts saved offline, and their replay. Run against both stacks.

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const CONTROL = process.env.IRONLOG_CONTROL_URL;

/** A browser with a profile on disk, so closing it and opening it again keeps its data. */
function launch(profile: string, offline = false): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    baseURL: BASE,
    // Offline from the first moment, the service worker too (its Background Sync would
    // otherwise send the outbox as the browser starts).
    offline,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}

async function withProfile(run: (profile: string) => Promise<void>) {
  const profile = mkdtempSync(join(tmpdir(), "ironlog-profile-"));
  try {
    await run(profile);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Signs up and lets the service worker take over; Log and History are then kept for offline. */
async function signedUpUnderWorker(page: Page): Promise<string> {
  const email = await signUp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // The worker claims the open page when it activates (pwa.spec.ts holds it to that); on a
  // loaded machine that can come after `ready`, and any page loaded now is controlled anyway.
  if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
  await hydrated(page, "/history");
  await hydrated(page, "/");
  return email;
}

async function fillFirstSet(page: Page, exercise: string, weight: string, reps: string, rpe = "") {
  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption(exercise);
  await first.getByLabel("Set 1 weight in kg").fill(weight);
  await first.getByLabel("Set 1 reps").fill(reps);
  if (rpe) await first.getByLabel("Set 1 RPE (optional)").fill(rpe);
}

/** The ids of the signed-in user's workouts in the outbox, in any state. */
async function outboxIds(page: Page): Promise<string[]> {
  // History reloads itself once the outbox has drained: ask the page that follows.
  for (;;) {
    try {
      await page.waitForLoadState();
      return await page.evaluate(async () => (await (self as any).IronlogStore.pending()).map((i: { id: string }) => i.id));
    } catch (error) {
      if (!String(error).includes("Execution context was destroyed")) throw error;
    }
  }
}

/** Every id the API lists for the signed-in user, duplicates included. */
async function storedIds(page: Page): Promise<string[]> {
  const answer = await page.request.get("/api/v1/workouts?limit=100");
  expect(answer.status()).toBe(200);
  return (await answer.json()).items.map((w: { id: string }) => w.id);
}

/** Saves the form while the workout cannot be sent; it is kept and the form starts afresh. */
async function saveKept(page: Page, expectedCount: number) {
  await page.getByTestId("save").click();
  await expect(page.getByTestId("kept")).toBeVisible();
  await expect(page.getByTestId("pending-count")).toHaveText(String(expectedCount));
  await expect(page.getByTestId("exercise").first().getByLabel("Set 1 reps")).toHaveValue("");
}

/** The workout POSTs the context makes (pages and worker), with who made them. */
function watchWorkoutPosts(context: BrowserContext, pages: Record<string, Page> = {}) {
  const posts: { id: string; by: string }[] = [];
  context.on("request", (request: Request) => {
    if (request.method() !== "POST" || !request.url().endsWith("/api/v1/workouts")) return;
    let by = "worker";
    if (!request.serviceWorker()) {
      const page = request.frame().page();
      by = Object.entries(pages).find(([, p]) => p === page)?.[0] ?? "page";
    }
    posts.push({ id: JSON.parse(request.postData() ?? "{}").id, by });
  });
  return posts;
}

async function control(path: string) {
  const answer = await fetch(`${CONTROL}${path}`, { method: "POST" });
  expect(answer.status, await answer.text()).toBe(200);
}

test("three workouts logged offline survive a reload and a browser restart, then are stored once each", async () => {
  test.setTimeout(120_000);
  await withProfile(async (profile) => {
    let context = await launch(profile);
    let page = context.pages()[0] ?? (await context.newPage());
    await signedUpUnderWorker(page);

    await context.setOffline(true);
    for (const [i, weight] of ["100", "102.5", "105"].entries()) {
      await fillFirstSet(page, "squat", weight, "5");
      await saveKept(page, i + 1);
    }
    const kept = await outboxIds(page);
    expect(kept).toHaveLength(3);

    // Reloaded offline: the page comes from the worker, and History lists the three.
    await page.reload();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.goto("/history");
    await expect(page.getByTestId("pending-item")).toHaveCount(3);
    await expect(page.getByTestId("pending-count")).toHaveText("3");
    await expect(page.locator("#outbox")).toContainText("102.5 kg × 5");
    await context.close();

    // The browser closed entirely and opened again, still offline: still three.
    context = await launch(profile, true);
    page = context.pages()[0] ?? (await context.newPage());
    const posts = watchWorkoutPosts(context);
    await page.goto("/history");
    await expect(page.getByTestId("pending-item")).toHaveCount(3);
    expect((await outboxIds(page)).sort()).toEqual([...kept].sort());

    // Online: each is stored exactly once, and nothing is left pending.
    await context.setOffline(false);
    await expect.poll(async () => (await storedIds(page)).sort(), { timeout: 30_000 }).toEqual([...kept].sort());
    await expect.poll(() => outboxIds(page)).toEqual([]);
    await expect(page.getByTestId("pending-count")).toHaveCount(0);
    for (const id of kept) expect(posts.filter((p) => p.id === id).length, id).toBe(1);
    await context.close();
  });
});

test("with no Ironlog page open, Background Sync sends the outbox when the browser is back online", async () => {
  test.setTimeout(90_000);
  await withProfile(async (profile) => {
    let context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await signedUpUnderWorker(page);
    await context.setOffline(true);
    await fillFirstSet(page, "deadlift", "120", "5");
    await saveKept(page, 1);
    const kept = await outboxIds(page);
    await context.close();

    // Opened again online, on a blank page: only the worker can send it.
    context = await launch(profile);
    const posts = watchWorkoutPosts(context);
    const stored = async () => {
      const answer = await context.request.get("/api/v1/workouts?limit=100");
      return (await answer.json()).items.map((w: { id: string }) => w.id);
    };
    await expect.poll(stored, { timeout: 60_000 }).toEqual(kept);
    expect(context.pages().every((p) => !p.url().startsWith(BASE))).toBe(true);
    expect(posts.every((p) => p.by === "worker"), JSON.stringify(posts)).toBe(true);
    await context.close();
  });
});

test("a half-filled workout comes back after a reload and after closing the browser, and is gone once saved", async () => {
  test.setTimeout(90_000);
  await withProfile(async (profile) => {
    let context = await launch(profile);
    let page = context.pages()[0] ?? (await context.newPage());
    await signUp(page);
    await hydrated(page, "/");
    await fillFirstSet(page, "deadlift", "140", "3", "8");
    await page.getByRole("button", { name: "+ Add exercise" }).click();
    const second = page.getByTestId("exercise").nth(1);
    await second.locator("select").first().selectOption("pull-up");
    await second.getByLabel("Set 1 reps").fill("8");
    await expect
      .poll(() => page.evaluate(() => (self as any).IronlogStore.loadDraft()))
      .toContain('"reps":"8"');

    const expectFilledIn = async () => {
      await expect(page.getByTestId("restored")).toBeVisible();
      const first = page.getByTestId("exercise").first();
      await expect(first.locator("select").first()).toHaveValue("deadlift");
      await expect(first.getByLabel("Set 1 weight in kg")).toHaveValue("140");
      await expect(first.getByLabel("Set 1 reps")).toHaveValue("3");
      await expect(first.getByLabel("Set 1 RPE (optional)")).toHaveValue("8");
      const again = page.getByTestId("exercise").nth(1);
      await expect(again.locator("select").first()).toHaveValue("pull-up");
      await expect(again.getByLabel("Set 1 reps")).toHaveValue("8");
    };
    await hydrated(page, "/");
    await expectFilledIn();
    await context.close();

    context = await launch(profile);
    page = context.pages()[0] ?? (await context.newPage());
    await hydrated(page, "/");
    await expectFilledIn();

    await page.getByTestId("save").click();
    await expect(page).toHaveURL(/\/history\?logged=[0-9a-f-]{36}$/);
    expect(await page.evaluate(() => (self as any).IronlogStore.loadDraft())).toBeNull();
    await hydrated(page, "/");
    await expect(page.getByTestId("restored")).toHaveCount(0);
    await expect(page.getByTestId("exercise").first().getByLabel("Set 1 weight in kg")).toHaveValue("");

    // Discarding a draft empties the form for good.
    await fillFirstSet(page, "squat", "60", "10");
    await expect.poll(() => page.evaluate(() => (self as any).IronlogStore.loadDraft())).toContain('"60"');
    await hydrated(page, "/");
    await page.getByRole("button", { name: "Discard it" }).click();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect(page.getByTestId("restored")).toHaveCount(0);
    await expect(page.getByTestId("exercise").first().getByLabel("Set 1 weight in kg")).toHaveValue("");
    expect(await page.evaluate(() => (self as any).IronlogStore.loadDraft())).toBeNull();
    await context.close();
  });
});

test("a workout the server refuses is shown with its problems, not retried, and can be fixed", async ({ page, context }) => {
  test.setTimeout(90_000);
  await signedUpUnderWorker(page);
  const posts = watchWorkoutPosts(context);
  await context.setOffline(true);
  // Row 1 left blank: the refusal names the JSON's first set, which is the form's second row.
  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption("bench-press");
  await first.getByLabel("Set 2 weight in kg").fill("80");
  await first.getByLabel("Set 2 reps").fill("5");
  await first.getByLabel("Set 2 RPE (optional)").fill("14");
  await saveKept(page, 1);
  const [id] = await outboxIds(page);

  await context.setOffline(false);
  await expect.poll(() => posts.filter((p) => p.id === id).length).toBe(1);
  await hydrated(page, "/history");
  const card = page.locator(`[data-testid="pending-item"][data-id="${id}"]`);
  await expect(card).toContainText("Refused by the server");
  await expect(card.getByTestId("pending-problems")).toContainText("Exercise 1, set 2: rpe");
  await expect(page.getByTestId("pending-count")).toHaveText("1");
  // Page loads and coming online leave it alone (the periodic replay takes the same path).
  await page.reload();
  await context.setOffline(true);
  await context.setOffline(false);
  await page.waitForTimeout(3000);
  expect(posts.filter((p) => p.id === id)).toHaveLength(1);

  // Fixed on the Log form, with its id: stored once.
  await card.getByRole("button", { name: "Fix" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("restored")).toBeVisible();
  const rpe = page.getByTestId("exercise").first().getByLabel("Set 2 RPE (optional)");
  await expect(rpe).toHaveValue("14");
  await rpe.fill("8");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(new RegExp(`/history\\?logged=${id}$`));
  await expect.poll(() => storedIds(page), { timeout: 20_000 }).toEqual([id]);
  expect(await outboxIds(page)).toEqual([]);
});

test("two tabs offline, then online: each workout is stored once, sent by one tab", async ({ context }) => {
  test.setTimeout(90_000);
  const a = await context.newPage();
  await signedUpUnderWorker(a);
  const b = await context.newPage();
  await hydrated(b, "/");
  const posts = watchWorkoutPosts(context, { a, b });

  await context.setOffline(true);
  await fillFirstSet(a, "squat", "90", "5");
  await saveKept(a, 1);
  await fillFirstSet(b, "deadlift", "150", "3");
  await saveKept(b, 2);
  // Each tab hears of the other's.
  await expect(a.getByTestId("pending-count")).toHaveText("2");
  const kept = (await outboxIds(a)).sort();
  expect(kept).toHaveLength(2);

  await context.setOffline(false);
  await expect.poll(async () => (await storedIds(a)).sort(), { timeout: 30_000 }).toEqual(kept);
  await expect.poll(() => outboxIds(b)).toEqual([]);
  for (const id of kept) expect(posts.filter((p) => p.id === id), id).toHaveLength(1);
  expect(new Set(posts.map((p) => p.by)).size, JSON.stringify(posts)).toBe(1);
});

test("signing out with unsynced workouts warns first and keeps them for that user", async ({ page, context }) => {
  const email = await signedUpUnderWorker(page);
  await context.setOffline(true);
  await fillFirstSet(page, "squat", "70", "8");
  await saveKept(page, 1);
  // Back online, but the workout still cannot be sent (its sends fail), so it is unsynced when
  // the user signs out.
  await context.route("**/api/v1/workouts", (route) => route.abort());
  await context.setOffline(false);

  let warned = "";
  page.once("dialog", (dialog) => {
    warned = dialog.message();
    dialog.dismiss();
  });
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => warned).toContain("1 workout is not synced yet");
  await expect(page).toHaveURL(/\/$/);

  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  const [id] = await page.evaluate(async () => {
    const open = indexedDB.open("ironlog");
    const db: IDBDatabase = await new Promise((resolve) => (open.onsuccess = () => resolve(open.result)));
    return new Promise<string[]>((resolve) => {
      const keys = db.transaction("outbox").objectStore("outbox").getAllKeys();
      keys.onsuccess = () => resolve(keys.result as string[]);
    });
  });
  // The network is back for good; the next user of the device signs up.
  await context.unroute("**/api/v1/workouts");
  const posts = watchWorkoutPosts(context);
  // Still on the device, but shown to no one signed out, nor to the next user.
  await signUp(page);
  await hydrated(page, "/history");
  await expect(page.getByTestId("pending-item")).toHaveCount(0);
  await expect(page.getByTestId("pending-count")).toHaveCount(0);
  const left = await page.evaluate(async () => {
    const open = indexedDB.open("ironlog");
    const db: IDBDatabase = await new Promise((resolve) => (open.onsuccess = () => resolve(open.result)));
    return new Promise<number>((resolve) => {
      const count = db.transaction("outbox").objectStore("outbox").count();
      count.onsuccess = () => resolve(count.result);
    });
  });
  expect(left).toBe(1);
  await page.waitForTimeout(1000);
  expect(posts, "never sent under the next user's session").toEqual([]);

  // Its own user signs in again on the device: it is sent, and stored as theirs.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect.poll(() => storedIds(page), { timeout: 20_000 }).toEqual([id]);
  await expect.poll(() => outboxIds(page)).toEqual([]);
});

test("a full device is a clear message, and the entries stay in the form", async ({ page, context }) => {
  await signedUpUnderWorker(page);
  // The device is full: IndexedDB refuses writes with the QuotaExceededError a browser raises.
  // (Chromium's `Storage.overrideQuotaForOrigin` does not reach a database already open, so
  // the refusal is raised here, at the same place the browser raises it.)
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args: Parameters<typeof put>) {
      if ((self as any).deviceFull) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return put.apply(this, args);
    };
  });
  await context.setOffline(true);
  await hydrated(page, "/");
  await page.evaluate(() => ((self as any).deviceFull = true));
  await fillFirstSet(page, "squat", "100", "5");
  await expect(page.getByTestId("draft-trouble")).toContainText("out of storage");
  await page.getByTestId("save").click();
  await expect(page.getByRole("alert").filter({ hasText: "could not be kept here" })).toBeVisible();
  const first = page.getByTestId("exercise").first();
  await expect(first.getByLabel("Set 1 weight in kg")).toHaveValue("100");
  await expect(first.getByLabel("Set 1 reps")).toHaveValue("5");
  expect(await outboxIds(page)).toEqual([]);

  // Room again, and online: the same entries save.
  await page.evaluate(() => ((self as any).deviceFull = false));
  await context.setOffline(false);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=/);
});

test("Progress works offline from the history last fetched", async ({ page, context }) => {
  await signedUpUnderWorker(page);
  await fillFirstSet(page, "squat", "100", "5");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=/);
  await expect(page.getByTestId("pending")).toHaveCount(0, { timeout: 20_000 });
  const today = new Date().toISOString().slice(0, 10);
  expect((await page.request.put(`/api/v1/bodyweight/${today}`, { data: { kg: 80 } })).status()).toBe(200);
  await hydrated(page, "/progress");
  await expect(page.getByText("Couldn't reach the server")).toHaveCount(0);
  // What Progress computed from the history and the bodyweight log: figures and charts.
  const board = async () => ({
    stats: await page.locator(".stats").innerText(),
    charts: await page.locator(".chart svg").count(),
    bodyweight: await page.getByTestId("bodyweight-summary").innerText(),
  });
  const online = await board();
  expect(online.stats).toMatch(/^1\s+session\s+1\s+set\s/);
  expect(online.bodyweight).toContain("80 kg on");

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText("Couldn't reach the server")).toHaveCount(0);
  await expect(page.locator("#offline-banner")).toBeVisible();
  await expect.poll(board).toEqual(online);
  await context.setOffline(false);
});

test("with RabbitMQ stopped, saves wait in the outbox; started again, it drains, each stored once", async ({ page, context }) => {
  test.skip(process.env.IRONLOG_MODE !== "distributed", "the embedded stack has no broker to stop");
  test.setTimeout(240_000);
  await signedUpUnderWorker(page);
  const posts = watchWorkoutPosts(context);
  await control("/broker/stop");
  try {
    await fillFirstSet(page, "squat", "110", "3");
    await saveKept(page, 1);
    await fillFirstSet(page, "overhead-press", "50", "5");
    await saveKept(page, 2);
  } finally {
    await control("/broker/start");
  }
  const kept = (await outboxIds(page)).sort();
  expect(kept).toHaveLength(2);
  await hydrated(page, "/history");
  await expect.poll(async () => (await storedIds(page)).sort(), { timeout: 150_000 }).toEqual(kept);
  await expect.poll(() => outboxIds(page)).toEqual([]);
  // Sent more than once while the broker was away (503s), stored once each.
  for (const id of kept) expect(posts.filter((p) => p.id === id).length, id).toBeGreaterThanOrEqual(2);
});

test("a new build on the server is offered as a reload, and runs after it without hydration errors", async ({ page }) => {
  test.setTimeout(120_000);
  await signedUpUnderWorker(page);
  const shells = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith("ironlog-shell-")));
  const before = await shells();
  expect(before).toHaveLength(1);
  await control("/server/new-build");

  // The open page learns of the new version on its next update check, and offers it.
  await page.evaluate(async () => (await navigator.serviceWorker.ready).update());
  const offer = page.getByRole("button", { name: "Reload to update" });
  await expect(offer).toBeVisible({ timeout: 30_000 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await Promise.all([page.waitForEvent("load"), offer.click()]);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The old build's cache is gone; the new one's is in use.
  await expect.poll(shells).toHaveLength(1);
  expect((await shells())[0]).not.toBe(before[0]);
  // The new build's stylesheet is the one in use.
  const css = await page.evaluate(async () => (await (await fetch("/pkg/ironlog.css")).text()).includes("with-stack build"));
  expect(css).toBe(true);
  expect(errors).toEqual([]);
});
