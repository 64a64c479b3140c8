import { test, expect } from "@playwright/test";
import { logOneSet, signUp, PASSWORD } from "./account";

test("sign up, log a workout, sign out: it is gone from view, and another user never sees it", async ({ page, browser }) => {
  // Private pages send a visitor without a session to log in, and back afterwards.
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login\?next=%2Fhistory$/);

  const email = await signUp(page);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const { id, card } = await logOneSet(page, "overhead-press", "55", "6");
  await expect(card).toBeVisible();

  // Signing out ends the session: History is out of reach, and so is the API.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByRole("status")).toContainText("You are signed out.");
  await page.goto("/history");
  await expect(page).toHaveURL(/\/login/);
  expect((await page.request.get("/api/v1/workouts")).status()).toBe(401);

  // A wrong password is refused without saying whether the account exists.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByTestId("auth-error")).toHaveText("Email or password is incorrect.");

  // Another person, in another browser context, sees an empty History and cannot read it.
  const other = await browser.newContext();
  const theirs = await other.newPage();
  await signUp(theirs);
  await theirs.goto("/history");
  await expect(theirs.getByText("No workouts yet.")).toBeVisible();
  await expect(theirs.locator(`li.session[data-id="${id}"]`)).toHaveCount(0);
  expect((await theirs.request.get(`/api/v1/workouts/${id}`)).status()).toBe(404);
  await other.close();

  // Logging back in (to the page first asked for) shows the workout again.
  await page.goto("/login?next=%2Fhistory");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/history$/);
  await expect(card).toBeVisible();
});
