import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./e2e/engine-process.ts";

// The Studio's end-to-end tests: Debian's Chromium (Playwright downloads no browser here) drives
// the Studio served by a real engine (one per test, started by e2e/fixtures.ts).
export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "e2e/.results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    viewport: { width: 1440, height: 900 },
    launchOptions: chromiumLaunchOptions,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
