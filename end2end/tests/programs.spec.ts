import { test, expect, Page } from "@playwright/test";
import { signUp } from "./account";

// The Programs page (issue 18, choose): every program with what it is for, and one tap to
// start one, with and without JavaScript, at a phone's width and a desktop's.

async function pickGzclp(page: Page) {
  await page.goto("/today");
  await expect(page.getByTestId("change-program")).toBeVisible();
  await expect(page.locator(".eyebrow")).toContainText("Full body, 3× a week");
  await page.getByTestId("change-program").click();
  await expect(page).toHaveURL(/\/programs$/);
  const cards = page.getByTestId("program");
  await expect(cards).toHaveCount(5);
  const running = page.locator('li.program[data-slug="full-body-3x"]');
  await expect(running.getByTestId("running")).toHaveText("Running");
  await expect(running.getByTestId("start-program")).toHaveCount(0);
  const gzclp = page.locator('li.program[data-slug="gzclp"]');
  await expect(gzclp.locator(".program-facts")).toHaveText("3× a week · 4 days · Beginner · GZCLP tiers");
  await gzclp.getByTestId("start-program").click();
  await expect(page).toHaveURL(/\/today$/);
  await expect(page.locator(".eyebrow")).toContainText("GZCLP");
  // Today moved to GZCLP's first day: its T1 squat.
  await expect(page.locator("h1")).toContainText("Today:");
  await expect(page.locator('li.planned[data-exercise="squat"]')).toBeVisible();
  const api = await page.request.get("/api/v1/programs");
  expect((await api.json()).active).toBe("gzclp");
}

/** Logs Today as prescribed through the pre-filled Log form; Today then moves to GZCLP's B1. */
async function logGzclpDay(page: Page) {
  await page.goto("/today");
  await expect(page.locator("h1")).toHaveText("Today: A1");
  await page.getByTestId("start").click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("exercise")).toHaveCount(3);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=/);
  // Stored asynchronously: Today moves on once the consumer has it.
  await expect
    .poll(async () => {
      await page.goto("/today");
      return page.locator("h1").innerText();
    })
    .toBe("Today: B1");
  // B1: the overhead press is the T1 lift, five sets of three, the last as many as possible.
  const t1 = page.locator('li.planned[data-exercise="overhead-press"]').getByTestId("work-set");
  await expect(t1).toHaveCount(5);
  await expect(t1.last()).toContainText("× 3+");
}

/**
 * Copies "Full body" into "My full body", makes its squat double progression 6–10, is refused
 * for 0 sets and a rep range upside down (shown at their fields, nothing saved), saves, starts
 * it, and Today follows it. With JavaScript, the preview changes before anything is saved.
 */
async function shapeMyFullBody(page: Page, js: boolean) {
  await page.goto("/programs");
  await page.locator('li.program[data-slug="full-body-3x"]').getByTestId("copy-program").click();
  await expect(page).toHaveURL(/\/programs\/edit\?slug=my-full-body-3x$/);
  await expect(page.locator("h1")).toHaveText("Edit My Full body, 3× a week");
  const squat = () => page.locator('li.editor-slot[data-exercise="squat"]').first();
  const previewSquat = page
    .getByTestId("preview-session")
    .first()
    .locator('[data-testid="preview-exercise"][data-exercise="squat"]');
  if (js) {
    await expect(previewSquat).toContainText("× 5");
    await expect(previewSquat).not.toContainText("× 6");
  } else {
    await expect(page.getByTestId("preview-waiting")).toBeVisible();
  }
  await squat().getByLabel("Progression rule").selectOption("double");
  await expect(squat().getByLabel("Reps from")).toBeVisible();
  await expect(squat().getByLabel("Reps", { exact: true })).toBeHidden();
  await squat().getByLabel("Reps from").fill("6");
  await squat().getByLabel("Reps to").fill("10");
  if (js) {
    // The preview follows the form before anything is saved.
    await expect(previewSquat).toContainText("× 6");
    const saved = await (await page.request.get("/api/v1/programs/my-full-body-3x")).json();
    expect(saved.days[0].slots[0].progression.kind).toBe("linear");
  }

  // A button reshapes the form without saving: add an exercise, then remove it.
  const slots = page.getByTestId("editor-day").first().getByTestId("editor-slot");
  await expect(slots).toHaveCount(4);
  await page.getByTestId("editor-day").first().getByTestId("add-slot").click();
  await expect(slots).toHaveCount(5);
  await expect(squat().getByLabel("Reps from")).toHaveValue("6");
  await slots.last().getByTestId("remove-slot").click();
  await expect(slots).toHaveCount(4);

  // 0 sets and 10 to 6 reps: each problem at its field, nothing saved.
  await squat().getByLabel("Sets").fill("0");
  await squat().getByLabel("Reps from").fill("10");
  await squat().getByLabel("Reps to").fill("6");
  await page.getByTestId("save-program").click();
  await expect(page).toHaveURL(/\/programs\/save$/);
  await expect(page.getByTestId("editor-problems")).toContainText("Not saved");
  await expect(page.locator('[data-field="days[0].slots[0].progression.sets"]')).toHaveText("must be 1 to 20");
  await expect(page.locator('[data-field="days[0].slots[0].progression.min_reps"]')).toContainText("below max_reps");
  await expect(squat().getByLabel("Sets")).toHaveAttribute("aria-invalid", "true");
  const unchanged = await (await page.request.get("/api/v1/programs/my-full-body-3x")).json();
  expect(unchanged.days[0].slots[0].progression).toEqual({ kind: "linear", sets: 3, reps: 5, deload_after: 3, deload_percent: 10 });

  // Fixed and saved.
  await squat().getByLabel("Sets").fill("3");
  await squat().getByLabel("Reps from").fill("6");
  await squat().getByLabel("Reps to").fill("10");
  await page.getByTestId("save-program").click();
  await expect(page).toHaveURL(/\/programs#program-my-full-body-3x$/);
  const mine = page.locator('li.program[data-slug="my-full-body-3x"]');
  await expect(mine.locator(".program-facts")).toContainText("double progression");
  await mine.getByTestId("start-program").click();
  await expect(page).toHaveURL(/\/today$/);
  await expect(page.locator(".eyebrow")).toContainText("My Full body");
  const sets = page.locator('li.planned[data-exercise="squat"]').getByTestId("work-set");
  await expect(sets).toHaveCount(3);
  for (const set of await sets.all()) await expect(set).toContainText("× 6");
}

for (const [label, width] of [["phone", 390], ["desktop", 1280]] as const) {
  test(`pick GZCLP on the Programs page (${label})`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signUp(page);
    await pickGzclp(page);
    await logGzclpDay(page);
    await page.goto("/programs");
    await expect(page.locator('li.program[data-slug="gzclp"]').getByTestId("running")).toBeVisible();
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/programs-${label}.png`, fullPage: true });
  });
}

for (const [label, width] of [["phone", 390], ["desktop", 1280]] as const) {
  test(`shape a copy of a program in the editor, with its preview (${label})`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signUp(page);
    await page.goto("/programs");
    await page.locator('li.program[data-slug="full-body-3x"]').getByTestId("copy-program").click();
    await expect(page.getByTestId("preview-session")).toHaveCount(12);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/editor-${label}.png` });
    await page.getByTestId("preview").screenshot({ path: `test-results/editor-preview-${label}.png` });
    await page.goto("/programs");
    await page.locator('li.program[data-slug="my-full-body-3x"]').getByTestId("delete-program").click();
    await shapeMyFullBody(page, true);
    expect(errors).toEqual([]);
  });
}

test("copy a program, start the copy, delete it: the default program runs again", async ({ page }) => {
  await signUp(page);
  await page.goto("/programs");
  await page.locator('li.program[data-slug="gzclp"]').getByTestId("copy-program").click();
  await expect(page).toHaveURL(/\/programs\/edit\?slug=my-gzclp$/);
  await page.goto("/programs");
  const mine = page.locator('li.program[data-slug="my-gzclp"]');
  await expect(mine.locator("h2")).toHaveText("My GZCLP");
  await expect(mine.locator(".program-facts")).toContainText("Yours");
  await expect(page.locator('li.program[data-slug="gzclp"]').getByTestId("delete-program")).toHaveCount(0);
  await mine.getByTestId("start-program").click();
  await expect(page.locator(".eyebrow")).toContainText("My GZCLP");
  await page.goto("/programs");
  await page.locator('li.program[data-slug="my-gzclp"]').getByTestId("delete-program").click();
  await expect(page).toHaveURL(/\/programs$/);
  await expect(page.locator('li.program[data-slug="my-gzclp"]')).toHaveCount(0);
  await expect(page.locator('li.program[data-slug="full-body-3x"]').getByTestId("running")).toBeVisible();
});

test("add an exercise of your own, correct its muscles, and log it", async ({ page }) => {
  await signUp(page);
  await page.goto("/programs");
  await page.getByTestId("add-exercise").click();
  const add = page.locator("details.add-exercise form");
  await add.getByLabel("Name").fill("Zercher squat");
  await add.getByLabel("Equipment").selectOption("barbell");
  await add.getByLabel("Load step (kg)").fill("2.5");
  await add.getByRole("checkbox", { name: "Quads" }).first().check();
  await add.getByTestId("save-exercise").click();
  await expect(page).toHaveURL(/\/programs#exercise-zercher-squat$/);
  const mine = page.locator("#exercise-zercher-squat");
  await expect(mine.locator("summary")).toContainText("Zercher squat · Quads");

  // Corrected: glutes too.
  await mine.locator("summary").click();
  await mine.locator("fieldset").first().getByRole("checkbox", { name: "Glutes" }).check();
  await mine.getByTestId("save-exercise").click();
  await expect(page.locator("#exercise-zercher-squat summary")).toContainText("Quads, Glutes");

  // The Log form offers it.
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("exercise").first().locator("select").first().locator('option[value="zercher-squat"]')).toHaveCount(1);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the plain form starts a program", async ({ page }) => {
    await signUp(page);
    await pickGzclp(page);
  });

  test("the plain editor shapes a program", async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 900 });
    await signUp(page);
    await shapeMyFullBody(page, false);
  });
});
