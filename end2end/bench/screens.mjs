// Screenshots of the training pages at phone and desktop widths, light and dark, with a
// seeded history (20 weeks of squat, bench and rows, imported as a Strong export).
// Usage: node bench/screens.mjs BASE_URL OUT_DIR
import { launchChromium } from "./chromium.mjs";

const [base, out] = process.argv.slice(2);
if (!base || !out) {
  console.error("usage: node bench/screens.mjs BASE_URL OUT_DIR");
  process.exit(2);
}

function strongCsv() {
  const rows = ["Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"];
  const now = Date.now();
  for (let i = 0; i < 60; i++) {
    const at = new Date(now - (60 - i) * 2.3 * 86_400_000);
    const d = at.toISOString().replace("T", " ").slice(0, 19);
    const lifts = i % 2 === 0
      ? [["Squat (Barbell)", 80 + i * 1.25, 5], ["Bench Press (Barbell)", 60 + i * 0.5, 5], ["Lat Pulldown (Cable)", 50 + i * 0.25, 10]]
      : [["Deadlift (Barbell)", 110 + i * 1.5, 5], ["Overhead Press (Barbell)", 40 + i * 0.25, 5], ["Bent Over Row (Barbell)", 55 + i * 0.5, 8]];
    for (const [name, kg, reps] of lifts) {
      for (let set = 1; set <= 3; set++) {
        rows.push(`${d},"Session",1h,"${name}",${set},${kg},${reps - (set === 3 && i % 5 === 0 ? 1 : 0)},0,0,"","",`);
      }
    }
  }
  return rows.join("\n") + "\n";
}

const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const email = `shots-${Date.now()}@example.com`;
  await page.goto(`${base}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/$/);
  await page.goto(`${base}/data`);
  await page.locator("body[data-hydrated]").waitFor();
  await page.getByTestId("import-file").setInputFiles({ name: "strong.csv", mimeType: "text/csv", buffer: Buffer.from(strongCsv()) });
  await page.getByTestId("import").click();
  await page.getByTestId("import-summary").waitFor();
  await page.waitForTimeout(1500);
  // Your data with the import's summary, as the import left it (not reloaded).
  await page.screenshot({ path: `${out}/data-desktop-light.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${out}/data-phone-light.png`, fullPage: true });
  const shots = [
    ["today", "/today", false],
    ["log-from-plan", "/?plan=today", true],
    ["progress", "/progress", true],
    ["history", "/history", false],
  ];
  for (const scheme of ["light", "dark"]) {
    for (const [width, height, label] of [[390, 844, "phone"], [1280, 900, "desktop"]]) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, path, full] of shots) {
        await page.goto(`${base}${path}`);
        await page.locator("body[data-hydrated]").waitFor();
        if (name === "progress") await page.getByTestId("compute-time").waitFor();
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${out}/${name}-${label}-${scheme}.png`, fullPage: full });
      }
    }
  }
} finally {
  await browser.close();
}
