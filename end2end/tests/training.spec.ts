import { test, expect, Page } from "@playwright/test";
import { logOneSet, signUp, watchCsp } from "./account";

// The training engine in the browser: Today's plan, logging it as prescribed, the rest timer,
// importing a Strong export and the Progress page's charts (precomputed, server-rendered, made
// interactive by a lazy island).

async function hydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** The working sets of one exercise on Today, as shown ("100 kg × 5"). */
async function workSets(page: Page, exercise: string): Promise<string[]> {
  const card = page.locator(`li.planned[data-exercise="${exercise}"]`);
  await expect(card).toBeVisible();
  return card.locator(".work-set .load").allInnerTexts();
}

function kg(load: string): number {
  return parseFloat(load.split(" ")[0]);
}

/** Opens Today, logs it exactly as prescribed through the pre-filled Log form. */
async function logTodayAsPrescribed(page: Page): Promise<string> {
  await hydrated(page, "/today");
  const day = (await page.locator("h1").innerText()).replace("Today: ", "");
  const planned = await page.locator("li.planned").count();
  await page.getByTestId("start").click();
  await expect(page).toHaveURL(/\/\?plan=today$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The form holds the plan: one block per exercise, every working set filled in.
  await expect(page.getByTestId("exercise")).toHaveCount(planned);
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=/);
  const id = new URL(page.url()).searchParams.get("logged")!;
  await expect(page.locator(`li.session[data-id="${id}"]`)).toBeVisible();
  return day;
}

test("log Today's plan as prescribed and the next plan for that lift progresses", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const csp = watchCsp(page);
  await signUp(page);

  await hydrated(page, "/today");
  await expect(page.locator("h1")).toHaveText("Today: Full body A");
  const before = await workSets(page, "squat");
  expect(before.length).toBe(3);
  // Every exercise says why its sets are what they are.
  for (const reason of await page.getByTestId("reason").allInnerTexts()) {
    expect(reason.length).toBeGreaterThan(5);
  }

  // The Log form starts as the plan: squat first, its three working sets filled in.
  await page.getByTestId("start").click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const squat = page.getByTestId("exercise").first();
  await expect(squat.locator("select").first()).toHaveValue("squat");
  await expect(squat.getByLabel("Set 1 weight in kg")).toHaveValue(String(kg(before[0])));
  await expect(squat.getByLabel("Set 3 reps")).toHaveValue("5");

  expect(await logTodayAsPrescribed(page)).toBe("Full body A");
  expect(await logTodayAsPrescribed(page)).toBe("Full body B");

  // Day C squats again: all reps were made last time, so the load goes up, and says why.
  await hydrated(page, "/today");
  await expect(page.locator("h1")).toHaveText("Today: Full body C");
  const after = await workSets(page, "squat");
  expect(kg(after[0])).toBeGreaterThan(kg(before[0]));
  await expect(page.locator('li.planned[data-exercise="squat"] [data-testid="reason"]')).toContainText("+");
  expect(errors).toEqual([]);
  expect(csp).toEqual([]);
});

test("the rest timer keeps counting through a reload", async ({ page }) => {
  await signUp(page);
  await hydrated(page, "/today");
  const clock = page.getByTestId("rest-remaining");
  await expect(clock).toHaveAttribute("data-running", "false");
  await page.getByRole("button", { name: "Rest 1:30" }).click();
  await expect(clock).toHaveAttribute("data-running", "true");
  await expect(clock).toHaveText(/^1:[2-3]\d$/);

  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(clock).toHaveAttribute("data-running", "true");
  await expect(clock).toHaveText(/^1:[0-2]\d$/);
  // The same rest on another page, then stopped for good.
  await hydrated(page, "/");
  await expect(page.getByTestId("rest-remaining")).toHaveAttribute("data-running", "true");
  await page.getByRole("button", { name: "Stop" }).click();
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("rest-remaining")).toHaveAttribute("data-running", "false");
});

/** A Strong export: `sessions` squat-and-bench days two days apart, loads rising. */
function strongCsv(sessions: number): string {
  const rows = ["Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE"];
  const start = Date.UTC(2025, 0, 6, 18, 0, 0);
  for (let i = 0; i < sessions; i++) {
    const d = new Date(start + i * 2 * 86_400_000).toISOString().replace("T", " ").slice(0, 19);
    for (let set = 1; set <= 3; set++) {
      rows.push(`${d},"Day",1h,"Squat (Barbell)",${set},${60 + 2.5 * i},5,0,0,"","",`);
    }
    rows.push(`${d},"Day",1h,"Bench Press (Barbell)",1,${40 + i},8,0,0,"","",`);
  }
  return rows.join("\n") + "\n";
}

test("import a Strong export, then see Progress: the weekly e1RM and its trend, records, calendar", async ({ page, browser }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const csp = watchCsp(page);
  await signUp(page);
  await hydrated(page, "/data");
  // The import form is a lazy island: its code may arrive just after the rest of the page.
  await expect(page.locator("form.import-form")).toHaveAttribute("data-ready", "true");
  const file = { name: "strong.csv", mimeType: "text/csv", buffer: Buffer.from(strongCsv(30)) };
  await page.getByTestId("import-file").setInputFiles(file);
  await page.getByTestId("import").click();
  const summary = page.getByTestId("import-summary");
  await expect(summary).toContainText("30 of 30 sessions imported, 0 already there.");

  // The pipeline stores asynchronously: look until all 30 sessions are in.
  await expect(async () => {
    await hydrated(page, "/progress");
    await expect(page.locator(".stats .stat-value").first()).toHaveText("30", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  // The charts' keys and the pickers work once the lazy island has its code.
  await expect(page.getByTestId("progress-board")).toHaveAttribute("data-ready", "true");

  // The lift trained most opens the chart (squat and bench press share every day; squat is
  // the heavier), one point a week (its best) with the trend through them.
  const chart = page.getByTestId("e1rm-chart");
  await expect(chart.locator("title").first()).toHaveText("Estimated 1RM of Back squat, in kg");
  await expect(chart.locator("circle.point")).toHaveCount(9);
  await expect(chart.locator("path.trend")).toHaveCount(1);
  // Keyboard: one tab stop (the newest point), arrows move and announce each value.
  const current = chart.locator('circle[tabindex="0"]');
  await expect(current).toHaveCount(1);
  // 132.5 kg × 5 by Brzycki is 149.06 kg: an estimate, shown whole.
  await expect(current).toHaveAttribute(
    "aria-label",
    /^Week of 3 Mar 2025: best estimated 1RM 149 kg \(from 132\.5 kg × 5\), trend \d+ kg$/,
  );
  await current.focus();
  await page.keyboard.press("ArrowLeft");
  const focused = page.locator("circle.point:focus");
  await expect(focused).toHaveAttribute("aria-label", /^Week of 24 Feb 2025: best estimated 1RM/);
  await expect(page.locator(".readout").first()).toHaveText(/^Week of 24 Feb 2025: best estimated 1RM/);
  await page.keyboard.press("Home");
  await expect(focused).toHaveAttribute("aria-label", /^Week of 6 Jan 2025: best estimated 1RM 76 kg \(from 67\.5 kg × 5\)/);

  // The server renders it all: without JavaScript the figures and charts are there.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const noJs = await plain.newPage();
  await noJs.goto("/progress");
  await expect(noJs.locator(".stats .stat-value").first()).toHaveText("30");
  await expect(noJs.getByTestId("e1rm-chart").locator("circle.point")).toHaveCount(9);
  await plain.close();

  // Records by rep count, weekly volume and the calendar are drawn too.
  await expect(page.locator("table.records tbody tr").first()).toContainText("132.5 kg");
  // The picker switches the chart and the records to another lift.
  await page.getByRole("combobox", { name: "Exercise" }).selectOption({ label: "Bench press" });
  await expect(chart.locator("title").first()).toHaveText("Estimated 1RM of Bench press, in kg");
  await expect(page.locator("table.records tbody tr").first()).toContainText("69 kg");
  // Drawn in the browser from the page's figures, it has the same keys.
  const bench = chart.locator('circle[tabindex="0"]');
  await bench.focus();
  await page.keyboard.press("Home");
  await expect(page.locator("circle.point:focus")).toHaveAttribute("aria-label", /^Week of 6 Jan 2025: best estimated 1RM/);
  await expect(page.locator("figure.line-chart .readout")).toHaveText(/^Week of 6 Jan 2025: best estimated 1RM/);
  const volume = page.getByTestId("volume-chart");
  await expect(volume.locator("rect.bar")).toHaveCount(16);
  const muscles = page.getByRole("combobox", { name: "Muscle group" });
  const second = await muscles.locator("option").nth(1).textContent();
  await muscles.selectOption({ index: 1 });
  await expect(volume.locator("title").first()).toHaveText(`Weekly sets for ${second}`);
  await expect(volume.locator("rect.bar")).toHaveCount(16);

  // The calendar is the server's alone (never hydrated), and has the same keys and hover.
  const calendar = page.getByTestId("calendar");
  const days = calendar.locator("rect.day");
  await expect(days).not.toHaveCount(0);
  const readout = page.locator("figure.heatmap .readout");
  const newest = calendar.locator('rect[tabindex="0"]');
  await expect(newest).toHaveCount(1);
  await expect(readout).toHaveText((await newest.getAttribute("aria-label"))!);
  await newest.focus();
  await page.keyboard.press("ArrowLeft");
  const dayBefore = calendar.locator("rect.day:focus");
  await expect(dayBefore).toHaveAttribute("tabindex", "0");
  await expect(readout).toHaveText((await dayBefore.getAttribute("aria-label"))!);
  await expect(calendar.locator('rect[tabindex="0"]')).toHaveCount(1);
  const first = days.first();
  await first.hover();
  await expect(readout).toHaveText((await first.getAttribute("aria-label"))!);

  // Once stored, importing the same file again adds nothing.
  await hydrated(page, "/data");
  await expect(page.locator("form.import-form")).toHaveAttribute("data-ready", "true");
  await page.getByTestId("import-file").setInputFiles(file);
  await page.getByTestId("import").click();
  await expect(page.getByTestId("import-summary")).toContainText("0 of 30 sessions imported, 30 already there.");
  expect(errors).toEqual([]);
  expect(csp).toEqual([]);
});

test("log bodyweight on Progress: its trend, and a weighted pull-up counts the body it lifts", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signUp(page);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await logOneSet(page, "pull-up", "10", "1");

  // Stored asynchronously: look until the session is in. No weighing yet: only what was added.
  const records = page.locator("table.records").first();
  await expect(async () => {
    await hydrated(page, "/progress");
    await expect(page.locator(".stats .stat-label").first()).toHaveText("session", { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(records.locator("caption")).toHaveText("Personal records: Pull-up");
  await expect(records.locator("tbody tr").first()).toHaveText(/^1\s*10 kg\s*\d/);
  await expect(page.getByTestId("bodyweight-summary")).toContainText("Log what you weigh");

  // A weighing today: the pull-up's record is 80 + 10 kg.
  await page.getByTestId("bodyweight-input").fill("80");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page).toHaveURL(/\/progress#bodyweight$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("bodyweight-summary")).toContainText(/^80 kg on .*; trend 80 kg\.$/);
  await expect(records.locator("tbody tr").first()).toContainText("90 kg (bodyweight 80 kg + 10 kg)");
  await expect(page.getByTestId("bodyweight-chart")).toHaveCount(0);

  // A second weighing, days before: the trend chart draws both, and today's weight still counts.
  const earlier = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
  await page.locator('input[type="date"]').fill(earlier);
  await page.getByTestId("bodyweight-input").fill("82.5");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("weighing")).toHaveCount(2);
  const chart = page.getByTestId("bodyweight-chart");
  await expect(chart.locator("circle.point")).toHaveCount(2);
  // 82.5, then five days take in 1 - 0.9^5 of the 2.5 kg fall: 81.48 kg.
  await expect(chart.locator('circle[tabindex="0"]')).toHaveAttribute("aria-label", /weighed 80 kg, trend 81\.48 kg$/);
  await expect(records.locator("tbody tr").first()).toContainText("90 kg (bodyweight 80 kg + 10 kg)");

  // Deleting today's weighing leaves the earlier one, which now counts for the pull-up.
  await page.getByRole("button", { name: /^Delete the weighing of / }).first().click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("weighing")).toHaveCount(1);
  await expect(records.locator("tbody tr").first()).toContainText("92.5 kg (bodyweight 82.5 kg + 10 kg)");

  expect(errors).toEqual([]);

});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the import form uploads the file and answers with the summary", async ({ page }) => {
    await signUp(page);
    await page.goto("/data");
    const file = { name: "strong.csv", mimeType: "text/csv", buffer: Buffer.from(strongCsv(4)) };
    await page.getByTestId("import-file").setInputFiles(file);
    await page.getByTestId("import").click();
    await expect(page.getByRole("heading", { name: "Import finished" })).toBeVisible();
    await expect(page.getByRole("status")).toHaveText("4 of 4 sessions imported, 0 already there.");

    // The same file again adds nothing, once the first import is stored (asynchronously).
    await expect
      .poll(async () => (await (await page.request.get("/api/v1/workouts?limit=100")).json()).items.length)
      .toBe(4);
    await page.goto("/data");
    await page.getByTestId("import-file").setInputFiles(file);
    await page.getByTestId("import").click();
    await expect(page.getByRole("status")).toHaveText("0 of 4 sessions imported, 4 already there.");

    // A file that is not an export is refused with the reason.
    await page.goto("/data");
    await page.getByTestId("import-file").setInputFiles({ name: "notes.csv", mimeType: "text/csv", buffer: Buffer.from("hello,world\n1,2\n") });
    await page.getByTestId("import").click();
    await expect(page.getByRole("heading", { name: "This file cannot be imported" })).toBeVisible();
  });
});

test("barbell sets show the plates a side on Today and in the Log form, from the lifter's own plates", async ({ page }) => {
  await signUp(page);
  await hydrated(page, "/today");
  const squat = page.locator('li.planned[data-exercise="squat"]');
  await expect(squat.getByTestId("plates").first()).toHaveText("the bar alone");

  await hydrated(page, "/");
  const first = page.getByTestId("exercise").first();
  await first.locator("select").first().selectOption("squat");
  await first.getByLabel("Set 1 weight in kg").fill("110");
  await expect(first.getByTestId("plates")).toHaveText("Set 1: 25 + 20 a side");
  await first.locator("select").first().selectOption("dumbbell-curl");
  await expect(first.getByTestId("plates")).toHaveCount(0);

  // A home gym: a pair of 20s and a pair of 10s. 102.5 kg can't be made; 80 can.
  await hydrated(page, "/data");
  await page.getByLabel(/Plates you have/).fill("20×1, 10×1");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByTestId("settings-saved")).toBeVisible();
  await hydrated(page, "/");
  const again = page.getByTestId("exercise").first();
  await again.locator("select").first().selectOption("squat");
  await again.getByLabel("Set 1 weight in kg").fill("102.5");
  await expect(again.getByTestId("plates")).toHaveText("Set 1: not with your plates: 80 kg");
  await again.getByLabel("Set 1 weight in kg").fill("80");
  await expect(again.getByTestId("plates")).toHaveText("Set 1: 20 + 10 a side");
});

test("a program day's superset shows on Today and comes into the Log form", async ({ page }) => {
  await signUp(page);
  const linear = (reps: number) => ({ kind: "linear", sets: 3, reps, deload_after: 3, deload_percent: 10 });
  const program = {
    slug: "arms-superset", name: "Arms superset", description: "", days_per_week: 3,
    days: [{ name: "Arms", slots: [
      { exercise: "squat", progression: linear(5) },
      { exercise: "barbell-curl", group: 1, progression: linear(10) },
      { exercise: "triceps-pushdown", group: 1, progression: linear(10) },
    ] }],
  };
  expect((await page.request.put("/api/v1/programs/arms-superset", { data: program })).status()).toBe(200);
  // A superset of one exercise is refused at its field.
  const lonely = structuredClone(program);
  lonely.slug = "lonely";
  delete (lonely.days[0].slots[2] as { group?: number }).group;
  const refused = await page.request.put("/api/v1/programs/lonely", { data: lonely });
  expect(refused.status()).toBe(422);
  expect(JSON.stringify(await refused.json())).toContain("days[0].slots[1].group");
  expect((await page.request.post("/api/v1/programs/arms-superset/activate")).status()).toBe(200);

  await hydrated(page, "/today");
  const marks = page.getByTestId("superset");
  await expect(marks).toHaveCount(2);
  await expect(page.locator('li.planned[data-exercise="barbell-curl"]')).toContainText("Superset A");
  await expect(page.locator('li.planned[data-exercise="squat"] [data-testid="superset"]')).toHaveCount(0);
  await page.getByTestId("start").click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const groups = page.locator("select.group-select");
  await expect(groups).toHaveCount(3);
  await expect(groups.nth(0)).toHaveValue("");
  await expect(groups.nth(1)).toHaveValue("A");
  await expect(groups.nth(2)).toHaveValue("A");
  // Saved as logged: History shows the pair as a superset.
  await page.getByTestId("save").click();
  await expect(page).toHaveURL(/\/history\?logged=/);
  const id = new URL(page.url()).searchParams.get("logged")!;
  await expect(page.locator(`li.session[data-id="${id}"] .superset`)).toHaveCount(2);
});
