// What the bench scripts share: headless Debian Chromium with the flags these machines need,
// and a browser context signed in with IRONLOG_COOKIE ("name=value"), when it is set.
import { chromium } from "@playwright/test";

export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
}

export async function signedInContext(browser, base) {
  const context = await browser.newContext();
  const cookie = process.env.IRONLOG_COOKIE;
  if (cookie) {
    const [name, ...value] = cookie.split("=");
    await context.addCookies([{ name, value: value.join("="), url: base }]);
  }
  return context;
}
