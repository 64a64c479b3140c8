import { test, expect, Page } from "@playwright/test";
import { logOneSet, signUp, watchCsp } from "./account";

// Run twice by the README's test command: against the embedded server and against the
// distributed stack (RabbitMQ + SecantusDB + consumer). IRONLOG_MODE says which.

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  // The app sets this once Wasm has taken over the server-rendered page.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

test("log a workout through the form and see it in History", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const csp = watchCsp(page);
  await signUp(page);
  await hydrated(page, "/");

  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption("deadlift");
  await first.getByLabel("Set 1 weight in kg").fill("182.5");
  await first.getByLabel("Set 1 reps").fill("3");
  await first.getByLabel("Set 1 RPE (optional)").fill("8.5");
  await first.getByLabel("Set 2 weight in kg").fill("160");
  await first.getByLabel("Set 2 reps").fill("5");
  // Rows can be added after hydration; an untouched row is ignored.
  await first.getByRole("button", { name: "+ Add set" }).click();
  await expect(first.getByLabel("Set 4 reps")).toBeVisible();

  await page.getByRole("button", { name: "+ Add exercise" }).click();
  const second = page.getByTestId("exercise").nth(1);
  await second.locator("select").first().selectOption("pull-up");
  await second.getByLabel("Set 1 reps").fill("12");

  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=[0-9a-f-]{36}$/);
  const id = new URL(page.url()).searchParams.get("logged")!;

  const card = page.locator(`li.session[data-id="${id}"]`);
  await expect(card).toBeVisible();
  await expect(card).toContainText("Deadlift");
  await expect(card).toContainText("182.5 kg × 3 @8.5");
  await expect(card).toContainText("160 kg × 5");
  await expect(card).toContainText("Pull-up");
  await expect(card).toContainText("0 kg × 12");
  await expect(card).toContainText("3 sets");
  await expect(page.getByTestId("pending")).toHaveCount(0);

  // And it is really stored: a fresh load of History shows it, newest first.
  await hydrated(page, "/history");
  await expect(page.locator("li.session").first()).toHaveAttribute("data-id", id);
  expect(errors).toEqual([]);
  expect(csp).toEqual([]);
});

test("History waits for a workout that is not stored yet, then shows it", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signUp(page);
  // Logging answers before the workout is stored; History is then opened with its id.
  const id = crypto.randomUUID();
  await hydrated(page, `/history?logged=${id}`);
  await expect(page.getByTestId("pending")).toBeVisible();
  await expect(page.locator(`li.session[data-id="${id}"]`)).toHaveCount(0);

  // Its island keeps looking: once the workout is stored, the page shows it.
  const status = await page.evaluate(async (id) => {
    const body = {
      id,
      performed_at: new Date().toISOString(),
      exercises: [{ exercise: "squat", sets: [{ weight_kg: 100, reps: 5 }] }],
    };
    const r = await fetch("/api/v1/workouts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return r.status;
  }, id);
  expect(status).toBe(202);
  await expect(page.locator(`li.session[data-id="${id}"]`)).toContainText("100 kg × 5");
  await expect(page.getByTestId("pending")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("a lifter who uses pounds logs in pounds and sees pounds", async ({ page }) => {
  await signUp(page);
  // Pounds are a setting on Your data: a plain form, checked on the server.
  await hydrated(page, "/data");
  await page.getByLabel("Bar (kg)").fill("heavy");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("heading", { name: "Please fix your settings" })).toBeVisible();
  await expect(page.locator("li")).toContainText('Bar: "heavy" is not a number');
  await hydrated(page, "/data");
  await page.getByLabel("Unit", { exact: true }).selectOption("lb");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("settings-saved")).toBeVisible();
  // The default equipment followed the unit.
  await expect(page.getByLabel("Bar (lb)")).toHaveValue("45");
  await expect(page.getByLabel("Smallest plate (lb)")).toHaveValue("2.5");

  await hydrated(page, "/");
  const first = page.getByTestId("exercise").first();
  await expect(first.locator(".col-label").nth(1)).toHaveText("lb");
  const { id, card } = await logOneSet(page, "squat", "225", "5", "lb");
  await expect(card).toContainText("225 lb × 5");
  await expect(card).toContainText("1\u202f125 lb");

  // Stored in kilograms, as every workout is.
  const stored = await (await page.request.get(`/api/v1/workouts/${id}`)).json();
  expect(stored.exercises[0].sets[0].weight_kg).toBeCloseTo(102.058, 3);
});

test("invalid input is explained next to the form and nothing is saved", async ({ page }) => {
  const request = page.request;
  await signUp(page);
  await hydrated(page, "/");
  const before = (await (await request.get("/api/v1/workouts?limit=100")).json()).items.length;
  const first = page.getByTestId("exercise").first();
  // Row 1 stays blank (skipped), so the problems are in the JSON's first set but the form's second row.
  await first.getByLabel("Set 2 weight in kg").fill("-5");
  await first.getByLabel("Set 2 reps").fill("0");
  await first.getByLabel("Set 3 weight in kg").fill("100");
  await first.getByLabel("Set 3 reps").fill("5");
  await page.getByTestId("save").click();
  const problems = page.getByTestId("problems");
  await expect(problems).toContainText("Exercise 1, set 2: weight must be between 0 and 1000 kg");
  await expect(problems).toContainText("Exercise 1, set 2: reps must be between 1 and 100");
  await expect(problems).toBeInViewport();
  await expect(first.getByLabel("Set 2 weight in kg")).toHaveAttribute("aria-invalid", "true");
  await expect(first.getByLabel("Set 2 reps")).toHaveAttribute("aria-invalid", "true");
  await expect(first.getByLabel("Set 3 reps")).toHaveAttribute("aria-invalid", "false");
  await expect(page).toHaveURL(/\/$/);
  const after = (await (await request.get("/api/v1/workouts?limit=100")).json()).items.length;
  expect(after).toBe(before);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the plain HTML form logs a workout and History lists it", async ({ page }) => {
    await signUp(page);
    await page.goto("/");
    const { card } = await logOneSet(page, "bench-press", "80", "8");
    // Without scripts the page cannot poll; reload until the consumer has stored it.
    await expect(async () => {
      await page.reload();
      await expect(card).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await expect(card).toContainText("Bench press");
    await expect(card).toContainText("80 kg × 8");
  });
});
