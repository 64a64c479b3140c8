import { defineConfig, devices } from "@playwright/test";

// The server is started by the caller (testkit's `with-stack`), which passes its address.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

// The CDN spec answers the service worker's own requests (a changed file on the CDN during
// the worker's install); Playwright routes those only with this set, in Chromium.
if (process.env.IRONLOG_ASSETS_ORIGIN) process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = "1";

// The CDN spec needs the site published to a local S3 (with-stack --cdn, which sets
// IRONLOG_ASSETS_ORIGIN); the README's test command runs it on its own there.
const cdnOnly = process.env.IRONLOG_ASSETS_ORIGIN ? [] : ["**/cdn.spec.ts"];

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Spec files run two at a time (each test signs up its own account; the test command starts
  // the server without rate limits): the suites' time is mostly waiting on pages and the write
  // path, not CPU. Tests within a file stay in order. offline.spec.ts stops the broker and
  // restarts the server under every page open at the time, so it runs alone, after the rest
  // (the "faults" project below).
  fullyParallel: false,
  workers: Number(process.env.PW_WORKERS ?? 2),
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "chromium", use: { ...devices["Desktop Chrome"] }, testIgnore: [...cdnOnly, "**/offline.spec.ts"] },
    {
      name: "faults",
      use: { ...devices["Desktop Chrome"] },
      testMatch: ["**/offline.spec.ts"],
      dependencies: ["chromium"],
    },
  ],
});
