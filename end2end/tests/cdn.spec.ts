import { test, expect, Browser, Page, Request } from "@playwright/test";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
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

/** The import map's `integrity` of the page at `path`: URL → `sha384-…`. */
async function integrityOf(page: Page, path: string): Promise<Record<string, string>> {
  await page.goto(path);
  const map = await page.locator('script[type="importmap"]').textContent();
  return JSON.parse(map ?? "{}").integrity ?? {};
}

/**
 * A page of a fresh context without the service worker (so every build file comes from the
 * network), signed in, whose requests for build files ending in `suffix` are answered by the
 * CDN with `tamper` applied to the body: a CDN serving changed files. `logged`: console errors.
 */
async function tamperedPage(browser: Browser, suffix: RegExp, tamper: (body: Buffer) => Buffer) {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  const logged: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") logged.push(m.text());
  });
  await signUp(page);
  const changed: string[] = [];
  await page.route(
    (url) => url.origin === assets && suffix.test(url.pathname),
    async (route) => {
      const response = await route.fetch();
      changed.push(route.request().url());
      await route.fulfill({ response, body: tamper(await response.body()) });
    },
  );
  return { context, page, logged, changed };
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

  test("every script and Wasm file of the build has its Subresource Integrity in the page, equal to the published bytes'", async ({ page }) => {
    await signUp(page);
    const integrity = await integrityOf(page, "/");
    const built = readdirSync("../target/site/pkg").filter((f) => /\.(js|wasm)$/.test(f));
    expect(built.length).toBeGreaterThan(3);
    expect(Object.keys(integrity).map((u) => u.split("/").pop()).sort()).toEqual(built.sort());
    for (const [url, expected] of Object.entries(integrity)) {
      expect(new URL(url).origin, url).toBe(assets);
      const body = await (await page.request.get(url)).body();
      expect(expected, url).toBe(`sha384-${createHash("sha384").update(body).digest("base64")}`);
    }
    // The page's own scripts: the map comes before the hydration script, pkg-integrity.js with it.
    const order = await page.evaluate(() =>
      [...document.querySelectorAll("head script, head link[rel=modulepreload]")].map(
        (e) => e.getAttribute("type") ?? e.getAttribute("src") ?? e.getAttribute("rel"),
      ),
    );
    expect(order.indexOf("importmap")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("importmap")).toBeLessThan(order.indexOf("modulepreload"));
    expect(order.indexOf("importmap")).toBeLessThan(order.indexOf("/pkg-integrity.js"));
  });

  test("a script changed on the CDN is refused: it does not run and the islands stay server HTML", async ({ browser }) => {
    const { context, page, logged, changed } = await tamperedPage(browser, /\/pkg\/ironlog\.js$/, (body) =>
      Buffer.concat([body, Buffer.from("\n;globalThis.__ironlogTampered = true;\n")]),
    );
    await page.goto("/");
    await expect
      .poll(() => logged.find((m) => m.includes("integrity") && m.includes("/pkg/ironlog.js")))
      .toBeTruthy();
    expect(changed.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (globalThis as { __ironlogTampered?: boolean }).__ironlogTampered)).toBeUndefined();
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
    await context.close();
  });

  test("a Wasm file changed on the CDN is refused, the main module and a lazy chunk alike", async ({ browser }) => {
    // One byte more: the same module to a browser without integrity checks, if it still compiled.
    const grow = (body: Buffer) => Buffer.concat([body, Buffer.from([0])]);
    const main = await tamperedPage(browser, /\/pkg\/ironlog\.wasm$/, grow);
    await main.page.goto("/");
    await expect
      .poll(() => main.logged.find((m) => m.includes("integrity") && m.includes("/pkg/ironlog.wasm")))
      .toBeTruthy();
    await expect(main.page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
    await main.context.close();

    const chunk = await tamperedPage(browser, /\/pkg\/split_import_form_loader_\d+\.wasm$/, grow);
    await chunk.page.goto("/data");
    // The page hydrated; only the lazy island's chunk was refused.
    await expect(chunk.page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect
      .poll(() => chunk.logged.find((m) => m.includes("integrity") && /split_import_form_loader_\d+\.wasm/.test(m)))
      .toBeTruthy();
    expect(chunk.changed.length).toBeGreaterThan(0);
    await expect(chunk.page.locator("form.import-form")).not.toHaveAttribute("data-ready", "true");
    await chunk.context.close();
  });
});
