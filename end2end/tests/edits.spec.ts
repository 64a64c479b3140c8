import { test, expect, chromium, BrowserContext, Page } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PASSWORD, logOneSet, signUp, watchCsp } from "./account";

// Owning the log: edit a workout from History, delete one with an undo, both offline too, and
// delete the account. Run against both stacks: every change goes through the queue.

const BASE = process.env.BASE_URL ?? "http://127.0.0.1:3000";

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** The first working set's load of `exercise` on Today, in kg. */
async function todaysFirstLoad(page: Page, exercise: string): Promise<number> {
  await hydrated(page, "/today");
  const card = page.locator(`li.planned[data-exercise="${exercise}"]`);
  await expect(card).toBeVisible();
  const loads = await card.locator(".work-set .load").allInnerTexts();
  return parseFloat(loads[0].split(" ")[0]);
}

async function apiStatus(page: Page, path: string): Promise<number> {
  return (await page.request.get(path)).status();
}

test("edit a set's weight from History: History and the plan follow it", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const csp = watchCsp(page);
  await signUp(page);
  await hydrated(page, "/");
  const first = page.getByTestId("exercise").first();
  await first.getByLabel("Set 1 type").selectOption("warmup");
  await first.getByLabel("Set 1 weight in kg").fill("40");
  await first.getByLabel("Set 1 reps").fill("5");
  await first.getByLabel("Notes on exercise 1").fill("belt on");
  await page.locator("#workout-notes").fill("Typo day");
  const { id, card } = await logOneSetAfterWarmup(page);
  await expect(card).toContainText("100 kg × 5");
  await expect(card).toContainText("warm-up");
  await expect(card).toContainText("belt on");
  const before = await todaysFirstLoad(page, "squat");

  // The typo fixed from History: 100 was meant to be 60.
  await hydrated(page, "/history");
  await page.locator(`li.session[data-id="${id}"]`).getByTestId("edit").click();
  await expect(page).toHaveURL(new RegExp(`/\\?edit=${id}$`));
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator("h1")).toHaveText("Edit workout");
  const form = page.getByTestId("exercise").first();
  await expect(form.getByLabel("Set 2 weight in kg")).toHaveValue("100");
  await expect(form.getByLabel("Set 1 type")).toHaveValue("warmup");
  await expect(form.getByLabel("Notes on exercise 1")).toHaveValue("belt on");
  await form.getByLabel("Set 2 weight in kg").fill("60");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(new RegExp(`/history\\?logged=${id}&revision=\\d+$`));
  const edited = page.locator(`li.session[data-id="${id}"]`);
  await expect(edited).toContainText("60 kg × 5");
  await expect(edited).not.toContainText("100 kg");
  await expect(edited).toContainText("warm-up");
  await expect(page.locator("li.session")).toHaveCount(1);

  const after = await todaysFirstLoad(page, "squat");
  expect(after, `the plan follows the edit: ${before} kg before, ${after} kg after`).toBeLessThan(before);
  expect(errors).toEqual([]);
  expect(csp).toEqual([]);
});

/** With the first set filled in already, adds a working set of squat 100 × 5 and saves. */
async function logOneSetAfterWarmup(page: Page) {
  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption("squat");
  await first.getByLabel("Set 2 weight in kg").fill("100");
  await first.getByLabel("Set 2 reps").fill("5");
  await first.getByLabel("Set 2 RPE (optional)").fill("8");
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=[0-9a-f-]{36}$/);
  const id = new URL(page.url()).searchParams.get("logged")!;
  return { id, card: page.locator(`li.session[data-id="${id}"]`) };
}

test("delete with undo brings the workout back; deleted for good it is gone", async ({ page }) => {
  await signUp(page);
  await hydrated(page, "/");
  const { id, card } = await logOneSet(page, "deadlift", "140", "3");
  await expect(card).toBeVisible();

  await hydrated(page, "/history");
  await card.getByTestId("delete").click();
  await expect(card).toBeHidden();
  await expect(page.getByTestId("toast")).toContainText("Workout deleted.");
  await page.getByTestId("toast-action").click();
  await expect(page.getByTestId("toast")).toContainText("Workout restored.");
  await expect(card).toBeVisible();
  // Past the undo window nothing was sent: still stored.
  await page.waitForTimeout(6000);
  expect(await apiStatus(page, `/api/v1/workouts/${id}`)).toBe(200);
  await hydrated(page, "/history");
  await expect(card).toBeVisible();

  await card.getByTestId("delete").click();
  await expect(card).toBeHidden();
  // Sent once the undo window closes, applied by the consumer.
  await expect.poll(() => apiStatus(page, `/api/v1/workouts/${id}`), { timeout: 20_000 }).toBe(404);
  // Once its delete is sent, the page reloads History by itself: look from another tab, whose
  // load that reload cannot interrupt.
  const fresh = await page.context().newPage();
  await hydrated(fresh, "/history");
  await expect(fresh.locator(`li.session[data-id="${id}"]`)).toHaveCount(0);
  await expect(fresh.getByTestId("pending-item")).toHaveCount(0);
});

/** A browser with a profile on disk, as the offline tests use. */
function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    baseURL: BASE,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
}

/** Runs `body` for a new account signed up in a browser with a profile on disk, its page
 *  controlled by the service worker; the browser is closed and the profile removed after. */
async function underWorker(body: (context: BrowserContext, page: Page) => Promise<void>) {
  const profile = mkdtempSync(join(tmpdir(), "ironlog-profile-"));
  try {
    const context = await launch(profile);
    const page = context.pages()[0] ?? (await context.newPage());
    await signUp(page);
    await page.evaluate(() => navigator.serviceWorker.ready);
    if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) await page.reload();
    await body(context, page);
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

test("an edit and a delete made offline are kept, then applied once online", async () => {
  test.setTimeout(120_000);
  await underWorker(async (context, page) => {
    await hydrated(page, "/");
    const kept = await logOneSet(page, "squat", "100", "5");
    await hydrated(page, "/");
    const gone = await logOneSet(page, "bench-press", "80", "5");
    await hydrated(page, "/history");

    // The edit form is opened online, then the signal goes.
    await hydrated(page, `/?edit=${kept.id}`);
    await context.setOffline(true);
    await page.getByTestId("exercise").first().getByLabel("Set 1 weight in kg").fill("107.5");
    await page.getByTestId("save").click();
    await expect(page).toHaveURL(/\/history$/);
    await expect(page.locator(`#outbox li[data-id="${kept.id}"]`)).toContainText("Edit not synced yet");

    // Deleted offline: the card goes, and after the undo window the delete waits too.
    await page.locator(`li.session[data-id="${gone.id}"]:not(.pending)`).getByTestId("delete").click();
    await expect(page.locator(`li.session[data-id="${gone.id}"]:not(.pending)`)).toBeHidden();
    await expect(page.locator(`#outbox li[data-id="${gone.id}"]`)).toContainText("Delete not synced yet", { timeout: 15_000 });
    expect(await page.evaluate(async () => (await (self as any).IronlogStore.pending()).length)).toBe(2);

    // Online: both are sent and applied, once.
    await context.setOffline(false);
    await expect.poll(async () => {
      const r = await page.request.get(`/api/v1/workouts/${kept.id}`);
      return r.status() === 200 ? (await r.json()).exercises[0].sets[0].weight_kg : null;
    }, { timeout: 30_000 }).toBe(107.5);
    await expect.poll(() => apiStatus(page, `/api/v1/workouts/${gone.id}`), { timeout: 30_000 }).toBe(404);
    await expect.poll(async () => {
      try {
        return await page.evaluate(async () => (await (self as any).IronlogStore.pending()).length);
      } catch {
        return -1;
      }
    }).toBe(0);
    const listed = (await (await page.request.get("/api/v1/workouts")).json()).items.map((w: { id: string }) => w.id);
    expect(listed).toEqual([kept.id]);
  });
});

test("a delete made just before the page is left is sent by the worker when its undo window ends", async () => {
  test.setTimeout(90_000);
  await underWorker(async (context, page) => {
    await hydrated(page, "/");
    const { id, card } = await logOneSet(page, "deadlift", "150", "2");
    await hydrated(page, "/history");
    await card.getByTestId("delete").click();
    await expect(page.getByTestId("toast")).toContainText("Workout deleted.");
    // Away from Ironlog at once: no page is left to send the delete when the window ends.
    await page.goto("about:blank");
    expect(await context.request.get(`/api/v1/workouts/${id}`).then((r) => r.status())).toBe(200);
    await expect
      .poll(() => context.request.get(`/api/v1/workouts/${id}`).then((r) => r.status()), { timeout: 30_000 })
      .toBe(404);
    expect(context.pages().every((p) => !p.url().startsWith(BASE))).toBe(true);
  });
});

test("deleting the account: the export is offered first, then log-in fails and the API shows nothing", async ({ page }) => {
  const email = await signUp(page);
  await hydrated(page, "/");
  await logOneSet(page, "squat", "100", "5");
  await hydrated(page, "/data");
  const zone = page.locator("#delete-account");
  await expect(zone.getByRole("link", { name: "CSV" })).toHaveAttribute("href", "/api/v1/export?format=csv");

  await zone.getByLabel("Your password, to confirm").fill("not the password");
  await zone.getByTestId("delete-account").click();
  await expect(page.getByTestId("delete-error")).toContainText("nothing was deleted");
  expect(await apiStatus(page, "/api/v1/workouts")).toBe(200);

  await page.locator("#delete-account").getByLabel("Your password, to confirm").fill(PASSWORD);
  await page.locator("#delete-account").getByTestId("delete-account").click();
  await expect(page).toHaveURL(/\/login\?deleted=1$/);
  await expect(page.getByTestId("account-deleted")).toBeVisible();
  expect(await apiStatus(page, "/api/v1/workouts")).toBe(401);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("auth-error")).toBeVisible();
  expect(await apiStatus(page, "/api/v1/workouts")).toBe(401);
});
