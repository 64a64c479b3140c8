import { test, expect, Page, Request } from "@playwright/test";
import { signUp, watchCsp } from "./account";

// Run by the README's test command under `with-stack --cdn`: the site was published by
// ironlog-publish to a local S3 (moto), and the server renders pages whose scripts, Wasm, lazy
// chunks and CSS come from there (IRONLOG_ASSETS_URL). IRONLOG_ASSETS_ORIGIN names that origin.
const assets = process.env.IRONLOG_ASSETS_ORIGIN;
if (!assets) throw new Error("IRONLOG_ASSETS_ORIGIN is unset: run this spec under with-stack --cdn");

/** Every request for a build file (`/pkg/…`) the page makes. */
function pkgRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.includes("/pkg/")) seen.push(r);
  });
  return seen;
}

test.describe("assets from the CDN", () => {
  test("pages hydrate from the CDN's files, and every build file comes from there", async ({ page }) => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const csp = watchCsp(page);
    const pkg = pkgRequests(page);
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));

    await signUp(page);
    await page.goto("/");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    // An island works: rows are added by the Wasm.
    const first = page.getByTestId("exercise").first();
    await first.getByRole("button", { name: "+ Add set" }).click();
    await expect(first.getByLabel("Set 4 reps")).toBeVisible();
    // The stylesheet applied (it comes from the CDN too).
    const sheet = await page.evaluate(() =>
      [...document.styleSheets].map((s) => s.href ?? "").find((h) => h.endsWith("/pkg/ironlog.css")),
    );
    expect(sheet?.startsWith(assets)).toBe(true);

    // A lazy island: its chunk is fetched on this page, from the CDN.
    await page.goto("/data");
    await expect(page.locator("form.import-form")).toHaveAttribute("data-ready", "true");

    const urls = pkg.map((r) => r.url());
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(new URL(url).origin, url).toBe(assets);
    expect(urls.some((u) => u.endsWith("/pkg/ironlog.wasm"))).toBe(true);
    expect(urls.some((u) => /\/pkg\/split_import_form_loader_\d+\.wasm$/.test(u))).toBe(true);
    // Content-addressed: <assets>/<release>/pkg/…
    for (const url of urls) expect(url, url).toMatch(new RegExp(`^${assets}/[^/]+/[0-9a-f]{16}/pkg/`));
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    expect(csp).toEqual([]);
  });

  test("the CSP allows the CDN's origin and nothing more, and the worker precaches from it", async ({ page }) => {
    await signUp(page);
    const response = await page.goto("/");
    const policy = response!.headers()["content-security-policy"];
    for (const directive of ["script-src", "style-src", "connect-src"]) {
      const sources = policy.split(";").map((d) => d.trim()).find((d) => d.startsWith(directive))!;
      expect(sources, directive).toContain(assets);
      const origins = sources.split(/\s+/).filter((s) => s.includes("://"));
      expect(origins, directive).toEqual([assets]);
    }
    for (const directive of ["default-src", "img-src", "worker-src", "manifest-src"]) {
      const sources = policy.split(";").map((d) => d.trim()).find((d) => d.startsWith(directive))!;
      expect(sources, directive).not.toContain(assets);
    }
    const worker = await (await page.request.get("/sw.js")).text();
    expect(worker).toContain(`${assets}/`);
    expect(worker).not.toContain('"/pkg/');
  });
});
