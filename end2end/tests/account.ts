import { expect, Locator, Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

/** Signs up a fresh account through the sign-up form; the page ends signed in on Log. */
export async function signUp(page: Page): Promise<string> {
  const email = `lifter-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  await page.goto("/signup");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/$/);
  return email;
}

/** Fails the test on any Content-Security-Policy violation the page reports. */
export function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (m.text().includes("Content Security Policy")) violations.push(m.text());
  });
  return violations;
}

/** Fills the Log form's first exercise with one set and saves; returns the saved id and its
 *  card on History (where saving leads). `unit` is the weight column's unit. */
export async function logOneSet(
  page: Page,
  exercise: string,
  weight: string,
  reps: string,
  unit = "kg",
): Promise<{ id: string; card: Locator }> {
  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption(exercise);
  await first.getByLabel(`Set 1 weight in ${unit}`).fill(weight);
  await first.getByLabel("Set 1 reps").fill(reps);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=[0-9a-f-]{36}$/);
  const id = new URL(page.url()).searchParams.get("logged")!;
  return { id, card: page.locator(`li.session[data-id="${id}"]`) };
}
