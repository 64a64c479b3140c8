import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { logOneSet, signUp } from "./account";

// Accessibility: every page, in the light and the dark theme, scanned by axe against WCAG 2
// A and AA. Any violation axe rates serious or critical (low contrast among them) fails the
// test, and so does a skipped heading level (axe's `heading-order`, which Lighthouse reports).

const SCHEMES = ["light", "dark"] as const;

/** The pages a signed-in user sees, each with what shows it is fully drawn. */
const PRIVATE_PAGES: { path: string; ready: (page: Page) => Promise<void> }[] = [
  { path: "/", ready: async (page) => { await expect(page.getByTestId("exercise").first()).toBeVisible(); } },
  { path: "/history", ready: async (page) => { await expect(page.locator("li.session").first()).toBeVisible(); } },
  { path: "/today", ready: async (page) => { await expect(page.locator("li.planned").first()).toBeVisible(); } },
  { path: "/programs", ready: async (page) => { await expect(page.getByTestId("program").first()).toBeVisible(); } },
  {
    // The editor of the copy made below; its preview is a lazy island.
    path: "/programs/edit?slug=my-full-body-3x",
    ready: async (page) => { await expect(page.getByTestId("preview-session").first()).toBeVisible(); },
  },
  {
    path: "/progress",
    // Server-rendered; its lazy island makes the charts and pickers interactive.
    ready: async (page) => { await expect(page.getByTestId("progress-board")).toHaveAttribute("data-ready", "true"); },
  },
  {
    path: "/data",
    // The import form is a lazy island too.
    ready: async (page) => { await expect(page.locator("form.import-form")).toHaveAttribute("data-ready", "true"); },
  },
];

const PUBLIC_PAGES = ["/login", "/signup", "/login?signed_out=1"];

interface Finding {
  page: string;
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Scans the page as it is; returns its serious and critical WCAG violations and any skipped
 *  heading level. */
async function scan(page: Page, label: string): Promise<Finding[]> {
  const wcag = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const headings = await new AxeBuilder({ page }).withRules(["heading-order"]).analyze();
  const serious = wcag.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  return [...serious, ...headings.violations].map((v) => ({
    page: label,
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, " ")})` : ""}`),
  }));
}

function describe(findings: Finding[]): string {
  return findings
    .map((f) => `${f.page}: ${f.id} [${f.impact}] ${f.help}\n${f.targets.map((t) => `    ${t}`).join("\n")}`)
    .join("\n");
}

for (const colorScheme of SCHEMES) {
  test(`every signed-in page passes axe (WCAG 2 A/AA) in the ${colorScheme} theme`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await signUp(page);
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    // One workout, so History shows a card (with its exercise headings) and Progress its charts.
    const { card } = await logOneSet(page, "squat", "100", "5");
    await expect(card).toBeVisible();
    await page.goto("/programs");
    await page.locator('li.program[data-slug="full-body-3x"]').getByTestId("copy-program").click();
    await expect(page).toHaveURL(/\/programs\/edit\?slug=my-full-body-3x$/);

    const findings: Finding[] = [];
    for (const { path, ready } of PRIVATE_PAGES) {
      await hydrated(page, path);
      await ready(page);
      expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(colorScheme === "dark");
      findings.push(...(await scan(page, `${path} (${colorScheme})`)));
    }
    expect(findings, `axe found accessibility violations:\n${describe(findings)}`).toEqual([]);
  });

  test(`the log-in and sign-up pages pass axe (WCAG 2 A/AA) in the ${colorScheme} theme`, async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme });
    const findings: Finding[] = [];
    for (const path of PUBLIC_PAGES) {
      await hydrated(page, path);
      findings.push(...(await scan(page, `${path} (${colorScheme})`)));
    }
    // A refused log-in, with its error message.
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByTestId("auth-error")).toBeVisible();
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
    findings.push(...(await scan(page, `/login with an error (${colorScheme})`)));
    await context.close();
    expect(findings, `axe found accessibility violations:\n${describe(findings)}`).toEqual([]);
  });
}
