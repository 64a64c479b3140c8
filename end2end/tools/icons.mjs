// Renders the PNG icons the manifest and iOS need from public/*.svg, in Chromium:
//   (cd end2end && node tools/icons.mjs)
// The PNGs are committed; run this again only when an SVG changes.
import { chromium } from "playwright";
import { readFileSync } from "node:fs";

const out = [
  ["icon.svg", 192, "icon-192.png"],
  ["icon.svg", 512, "icon-512.png"],
  ["icon-maskable.svg", 192, "icon-maskable-192.png"],
  ["icon-maskable.svg", 512, "icon-maskable-512.png"],
  ["icon-maskable.svg", 180, "apple-touch-icon.png"],
];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
const page = await browser.newPage();
for (const [svg, size, png] of out) {
  const source = readFileSync(new URL(`../../public/${svg}`, import.meta.url), "utf8");
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">` +
      source.replace("<svg ", `<svg width="${size}" height="${size}" `) +
      `</body></html>`,
  );
  await page.locator("svg").screenshot({ path: new URL(`../../public/${png}`, import.meta.url).pathname, omitBackground: true });
}
await browser.close();
