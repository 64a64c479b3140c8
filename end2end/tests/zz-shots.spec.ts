import { test, expect } from "@playwright/test";
import { logOneSet, signUp } from "./account";

for (const [name, width] of [["phone", 390], ["desktop", 1280]] as const) {
  test(`shots ${name}`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await signUp(page);
    await page.goto("/");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    const first = page.getByTestId("exercise").first();
    await first.getByLabel("Set 1 type").selectOption("warmup");
    await first.getByLabel("Set 1 weight in kg").fill("60");
    await first.getByLabel("Set 1 reps").fill("5");
    await first.getByLabel("Notes on exercise 1").fill("belt from set 2");
    await first.getByLabel("Superset of exercise 1").selectOption("A");
    await page.getByRole("button", { name: "+ Add exercise" }).click();
    const second = page.getByTestId("exercise").nth(1);
    await second.getByLabel("Superset of exercise 2").selectOption("A");
    await second.getByLabel("Set 1 reps").fill("10");
    await second.getByLabel("Set 1 type").selectOption("failure");
    await page.locator("#workout-notes").fill("Short on time.");
    await page.screenshot({ path: `/tmp/shots/log-${name}.png`, fullPage: true });
    await logOneSet(page, "squat", "100", "5");
    await page.goto("/history");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await page.screenshot({ path: `/tmp/shots/history-card-${name}.png`, fullPage: false });
    await page.locator("li.session").first().getByTestId("delete").click();
    await page.screenshot({ path: `/tmp/shots/history-${name}.png`, fullPage: false });
    await page.getByTestId("toast-action").click();
    await page.goto("/data");
    await page.locator("#delete-account").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/shots/data-${name}.png`, fullPage: true });
  });
}
