import pg from "pg";

import { expect, test } from "./fixtures";
import { cspViolations, gradientPng, newEmail, screenshot, sha256, signUp, uploadThroughDashboard } from "./helpers";

async function promoteToAdmin(email: string) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [email]);
  await client.end();
}

test("a worker's thumbnail appears in My files and on the file page, with the SHA-256; the admin Jobs page shows the queue", async ({ page }) => {
  const violations = cspViolations(page);
  const email = newEmail();
  await signUp(page, email);
  const pictures = [
    { name: "lighthouse.png", mimeType: "image/png", buffer: gradientPng(900, 600) },
    { name: "dunes.png", mimeType: "image/png", buffer: gradientPng(400, 600) },
  ];
  await uploadThroughDashboard(page, pictures);
  const row = (name: string) => page.getByTestId("file-row").filter({ hasText: name });

  // The list looks again while a fresh file's jobs run: the generated WebP (320 px wide) replaces the icon.
  for (const picture of pictures) {
    const thumbnail = row(picture.name).getByRole("img", { name: `Thumbnail of ${picture.name}` });
    await expect(thumbnail).toBeVisible({ timeout: 30_000 });
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  }
  const first = row("lighthouse.png").getByRole("img", { name: "Thumbnail of lighthouse.png" });
  expect(await first.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 213]);
  await screenshot(page, "files-thumbnails");

  // The file page: a larger thumbnail and the checksum of exactly the bytes uploaded.
  await page.getByRole("link", { name: "lighthouse.png" }).first().click();
  await expect(page.getByTestId("sha256")).toHaveText(sha256(pictures[0]!.buffer), { timeout: 30_000 });
  const large = page.getByTestId("file-page-thumbnail");
  await expect.poll(() => large.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  expect(violations).toEqual([]);

  // The admin Jobs page, from the console's navigation.
  await promoteToAdmin(email);
  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Jobs" }).click();
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  const thumbnails = page.getByTestId("job-queue").filter({ hasText: "Thumbnails" });
  await expect(thumbnails).toContainText("Waiting now");
  // The runs just made count in the last hour.
  await expect(thumbnails.getByText("Runs", { exact: true })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Worker processes" })).toBeVisible();
  await expect(page.getByTestId("worker-process").first()).toContainText("alive");
  await screenshot(page, "admin-jobs");
});
