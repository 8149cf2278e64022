import { defineConfig } from "@playwright/test";

import { CHROMIUM_LAUNCH } from "./scripts/lib/chromium";

// The app is started by `npm test` (scripts/test.ts) against PostgreSQL and Ceph RGW; its URL
// arrives in VALET_TEST_APP_URL. The upload, download and share specs run again as the "azure"
// project against the instance on Azurite (VALET_TEST_AZURE_APP_URL). Chromium is Debian's:
// Playwright's own download cannot work here.
const baseURL = process.env.VALET_TEST_APP_URL ?? "http://localhost:3000";
const azureURL = process.env.VALET_TEST_AZURE_APP_URL;
const desktop = { browserName: "chromium" as const, viewport: { width: 1280, height: 900 } };

export default defineConfig({
  testDir: "e2e",
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: true,
  workers: 2,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    actionTimeout: 30_000,
    navigationTimeout: 30_000,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: CHROMIUM_LAUNCH,
  },
  projects: [
    { name: "chromium", use: desktop },
    ...(azureURL ? [{ name: "azure", testMatch: /(upload|share)\.spec\.ts$/, use: { ...desktop, baseURL: azureURL } }] : []),
  ],
});
