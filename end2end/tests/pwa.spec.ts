import { test, expect, chromium } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signUp, watchCsp } from "./account";

test("installable: Chromium reports no installability errors, and the manifest has every icon", async () => {
  // A real profile: Chromium never offers to install from an incognito one (Playwright's
  // default contexts are).
  const profile = mkdtempSync(join(tmpdir(), "ironlog-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
  });
  try {
    await installable(context.pages()[0] ?? (await context.newPage()));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

async function installable(page: import("@playwright/test").Page) {
  await signUp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors).toEqual([]);
  const manifest = await (await page.request.get("/manifest.webmanifest")).json();
  expect(manifest.display).toBe("standalone");
  expect(manifest.start_url).toBe("/");
  expect(manifest.scope).toBe("/");
  const icons: { sizes: string; purpose: string; src: string }[] = manifest.icons;
  for (const [sizes, purpose] of [
    ["192x192", "any"],
    ["512x512", "any"],
    ["192x192", "maskable"],
    ["512x512", "maskable"],
  ]) {
    const icon = icons.find((i) => i.sizes === sizes && i.purpose === purpose);
    expect(icon, `${sizes} ${purpose}`).toBeTruthy();
    expect((await page.request.get(icon!.src)).status()).toBe(200);
  }
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/apple-touch-icon.png");
  await expect(page.locator('meta[name="theme-color"]')).toHaveCount(2);
}

test("the service worker controls the page after the first load, and visited pages open offline", async ({
  page,
  context,
}) => {
  const violations = watchCsp(page);
  await signUp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
  const worker = await page.request.get("/sw.js");
  expect(worker.headers()["cache-control"]).toBe("no-cache");

  // Visited online, under the worker: kept for offline.
  for (const path of ["/history", "/today", "/"]) {
    await page.goto(path);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }

  await context.setOffline(true);
  expect(await page.evaluate(() => fetch("/healthz").then(() => "reached", () => "offline"))).toBe("offline");
  await page.goto("/history");
  await expect(page.getByRole("heading", { name: "History", level: 1 })).toBeVisible();
  await page.goto("/today");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Today");
  // A page never opened on this device says so instead of failing.
  await page.goto("/data");
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await context.setOffline(false);
  expect(violations).toEqual([]);
});

test("signing out leaves no page of the user in the worker's cache", async ({ page }) => {
  await signUp(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
  await page.goto("/history");
  await expect.poll(() => page.evaluate(async () => (await (await caches.open("ironlog-pages")).keys()).length)).toBeGreaterThan(0);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  expect(await page.evaluate(() => caches.has("ironlog-pages"))).toBe(false);

  // Someone else signing in on this device, offline, finds none of the first user's pages.
  await signUp(page);
  await page.goto("/today");
  await expect.poll(() => page.evaluate(async () => (await (await caches.open("ironlog-pages")).keys()).length)).toBeGreaterThan(0);
  await page.goto("/login");
  expect(await page.evaluate(() => caches.has("ironlog-pages"))).toBe(false);
});
