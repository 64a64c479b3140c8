import { test, expect, Browser, Page, Request } from "@playwright/test";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
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

/**
 * Whether Chromium logged that it refused a file whose path matches `file` because it did
 * not match its integrity metadata ("Failed to find a valid digest in the 'integrity'
 * attribute for resource '<url>' …").
 */
function refused(logged: string[], file: RegExp): boolean {
  return logged.some((m) => {
    const url = /valid digest in the 'integrity' attribute for resource '([^']+)'/.exec(m)?.[1];
    return url !== undefined && file.test(new URL(url).pathname);
  });
}

/** The build's script and Wasm files, by their path under pkg/ (recursively). */
function builtScriptsAndWasm(dir = join(__dirname, "../../target/site/pkg"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? builtScriptsAndWasm(join(dir, e.name), `${prefix}${e.name}/`)
      : /\.(js|wasm)$/.test(e.name)
        ? [`${prefix}${e.name}`]
        : [],
  );
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
    const built = builtScriptsAndWasm();
    expect(built.length).toBeGreaterThan(3);
    expect(Object.keys(integrity).map((u) => u.split("/pkg/")[1]).sort()).toEqual(built.sort());
    for (const [url, expected] of Object.entries(integrity)) {
      expect(new URL(url).origin, url).toBe(assets);
      const body = await (await page.request.get(url)).body();
      expect(expected, url).toBe(`sha384-${createHash("sha384").update(body).digest("base64")}`);
    }
    // The map comes before anything loads a module, and pkg-integrity.js (deferred) before the
    // hydration script (a module, deferred too: they run in document order).
    const order = await page.evaluate(() =>
      [...document.querySelectorAll("head script, head link[rel=modulepreload]")].map(
        (e) => e.getAttribute("type") ?? e.getAttribute("src") ?? e.getAttribute("rel"),
      ),
    );
    const at = (what: string) => {
      expect(order, what).toContain(what);
      return order.indexOf(what);
    };
    expect(at("importmap")).toBeLessThan(at("modulepreload"));
    expect(at("importmap")).toBeLessThan(at("/pkg-integrity.js"));
    expect(at("/pkg-integrity.js")).toBeLessThan(at("module"));
  });

  test("with integrity checked, the Wasm is still downloaded once: the preload is the fetch", async ({ browser }) => {
    const context = await browser.newContext({ serviceWorkers: "block" });
    const page = await context.newPage();
    await signUp(page);
    const wasm: string[] = [];
    const warnings: string[] = [];
    page.on("request", (r) => {
      if (/\/pkg\/ironlog\.wasm$/.test(new URL(r.url()).pathname)) wasm.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "warning" || m.type() === "error") warnings.push(m.text());
    });
    await page.goto("/");
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    expect(wasm).toHaveLength(1);
    expect(warnings.filter((w) => /preload/i.test(w))).toEqual([]);
    await context.close();
  });

  for (const [what, file] of [
    ["the Wasm's loader", /\/pkg\/ironlog\.js$/],
    ["the lazy chunks' loader", /\/pkg\/__wasm_split\.[^/]*\.js$/],
] as const) {
    test(`a script changed on the CDN is refused (${what}): it does not run and the islands stay server HTML`, async ({ browser }) => {
      const { context, page, logged, changed } = await tamperedPage(browser, file, (body) =>
        Buffer.concat([body, Buffer.from("\n;globalThis.__ironlogTampered = true;\n")]),
      );
      await page.goto("/");
      await expect.poll(() => refused(logged, file)).toBe(true);
      expect(changed.length).toBeGreaterThan(0);
      expect(await page.evaluate(() => (globalThis as { __ironlogTampered?: boolean }).__ironlogTampered)).toBeUndefined();
      await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
      await context.close();
    });
  }

  test("a Wasm file changed on the CDN is refused, the main module and a lazy chunk alike", async ({ browser }) => {
    // An empty custom section appended (id 0, size 1, a name of length 0): still a valid module
    // that compiles and runs the same, so only the integrity check can refuse it.
    const grow = (body: Buffer) => Buffer.concat([body, Buffer.from([0x00, 0x01, 0x00])]);
    const main = await tamperedPage(browser, /\/pkg\/ironlog\.wasm$/, grow);
    await main.page.goto("/");
    await expect.poll(() => refused(main.logged, /\/pkg\/ironlog\.wasm$/)).toBe(true);
    expect(main.changed.length).toBeGreaterThan(0);
    await expect(main.page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
    await main.context.close();

    const chunk = await tamperedPage(browser, /\/pkg\/split_import_form_loader_\d+\.wasm$/, grow);
    await chunk.page.goto("/data");
    // The page hydrated; only the lazy island's chunk was refused.
    await expect(chunk.page.locator("body")).toHaveAttribute("data-hydrated", "true");
    await expect.poll(() => refused(chunk.logged, /\/pkg\/split_import_form_loader_\d+\.wasm$/)).toBe(true);
    expect(chunk.changed.length).toBeGreaterThan(0);
    await expect(chunk.page.locator("form.import-form")).not.toHaveAttribute("data-ready", "true");
    await chunk.context.close();
  });

  test("the service worker refuses to precache a file changed on the CDN, and installs once the CDN serves the build again", async ({ browser }) => {
    const context = await browser.newContext();
    const chunk = /\/pkg\/chunk_\d+\.wasm$/;
    let tampered = 0;
    // On the context, so the worker's own requests are answered by the changed CDN too.
    await context.route(
      (url) => url.origin === assets && chunk.test(url.pathname),
      async (route) => {
        const response = await route.fetch();
        tampered += 1;
        await route.fulfill({ response, body: Buffer.concat([await response.body(), Buffer.from([0x00, 0x01, 0x00])]) });
      },
    );
    const page = await context.newPage();
    // Signed-in pages register the worker (sw-register.js).
    await signUp(page);
    await page.goto("/");
    const state = () =>
      page.evaluate(async () => {
        const r = await navigator.serviceWorker.getRegistration();
        return r?.active ? "active" : r?.installing || r?.waiting ? "installing" : "none";
      });
    await expect.poll(() => tampered).toBeGreaterThan(0);
    // The install failed on the changed chunk: no worker, nothing kept of it.
    await expect.poll(state).toBe("none");
    expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(false);

    await context.unrouteAll({ behavior: "wait" });
    await page.reload();
    await expect.poll(state).toBe("active");
    await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
    await context.close();
  });
});
