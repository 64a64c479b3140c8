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

for (const [label, width] of [["phone", 390], ["desktop", 1280]] as const) {
  test(`pick GZCLP on the Programs page (${label})`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signUp(page);
    await pickGzclp(page);
    await page.goto("/programs");
    await expect(page.locator('li.program[data-slug="gzclp"]').getByTestId("running")).toBeVisible();
    // Nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/programs-${label}.png`, fullPage: true });
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
});
