import { expect, test, type Page } from "@playwright/test";
import pg from "pg";

import { cspViolations, gradientPng, newEmail, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

/**
 * `count` READY files for the account, straight into the database: text files named
 * `notes-000.txt` (oldest) … , and every tenth an archive `pack-NNN.zip`. They have no objects
 * in storage, so nothing here downloads them (and none is a picture, whose thumbnail would).
 */
async function seedFiles(email: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "createdAt", "completedAt")
       SELECT s.id, u.id, 'users/' || u.id || '/' || s.id || '/' || s.name, s.name, s.size, s.type, 'SINGLE', s.size, 1, 'READY', now(), s.at, s.at
       FROM "User" u, (
         SELECT gen_random_uuid() AS id,
                CASE WHEN g % 10 = 9 THEN 'pack-' ELSE 'notes-' END || lpad(g::text, 3, '0') || CASE WHEN g % 10 = 9 THEN '.zip' ELSE '.txt' END AS name,
                CASE WHEN g % 10 = 9 THEN 'application/zip' ELSE 'text/plain' END AS type,
                1024 * (g + 1) AS size,
                timestamp '2026-05-01' + g * interval '1 hour' AS at
         FROM generate_series(0, $2::int - 1) AS g
       ) s
       WHERE u.email = $1`,
      [email, count],
    );
  } finally {
    await client.end();
  }
}

async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect({ what, overflow }).toEqual({ what, overflow: 0 });
}

test("My files pages through 205 files, searches, filters and sorts, with the query in the URL", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  await seedFiles(email, 205);
  await page.goto("/files");
  const rows = page.getByTestId("file-row");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("notes-204.txt");
  await expect(page.getByRole("table", { name: "Your files" })).toBeVisible();

  // Past the old 200-file cap: page 5 holds the oldest five.
  for (let n = 2; n <= 5; n++) {
    await page.getByRole("link", { name: "Next page" }).click();
    await expect(page).toHaveURL(/cursor=/);
    await expect(rows.first()).toContainText(`notes-${String(204 - (n - 1) * 50).padStart(3, "0")}.txt`);
  }
  await expect(rows).toHaveCount(5);
  await expect(rows.last()).toContainText("notes-000.txt");
  await expect(page.getByRole("link", { name: "Next page" })).toHaveCount(0);
  // The back button returns to the page before, from its URL.
  await page.goBack();
  await expect(rows).toHaveCount(50);
  await expect(rows.last()).toContainText("notes-005.txt");
  await page.getByRole("link", { name: "Newest" }).click();
  await expect(page).toHaveURL(/\/files$/);
  await expect(rows.first()).toContainText("notes-204.txt");

  // Search, in any case.
  await page.getByLabel("Search by name").fill("NOTES-12");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=NOTES-12/);
  await expect(rows).toHaveCount(9);
  await expect(rows.first()).toContainText("notes-128.txt");

  // Sort by name, ascending, within the search.
  await page.getByLabel("Sort by").selectOption("name");
  await page.getByLabel("Order").selectOption("asc");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/sort=name&order=asc/);
  await expect(rows.first()).toContainText("notes-120.txt");
  await expect(rows.last()).toContainText("notes-128.txt");

  // A kind: archives only, biggest first.
  await page.goto("/files?type=archives&sort=size&order=desc");
  await expect(page.getByLabel("Type")).toHaveValue("archives");
  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText("pack-199.zip");
  await expect(rows.first()).toContainText("200 KiB");

  // Nothing matches: say so, and offer the way back.
  await page.getByLabel("Search by name").fill("no such file");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("files-no-match")).toContainText("No files match this search.");
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/files$/);
  await expect(rows).toHaveCount(50);

  // A bad value in a hand-edited URL is a message, not an error page.
  await page.goto("/files?sort=owner");
  await expect(page.getByRole("alert").filter({ hasText: "Check the filters" })).toContainText("Check the filters: the sort is not one of the choices below.");
  await page.goto("/files?cursor=garbage");
  await expect(page.getByRole("alert").filter({ hasText: "out of date" })).toContainText("start again from the first page");
  await page.getByRole("link", { name: "Start again" }).click();
  await expect(page).toHaveURL(/\/files$/);

  // On a phone the list scrolls inside its own box; the page never scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/files", "/files?q=notes&type=documents&sort=size&order=asc"]) {
    await page.goto(path);
    await expect(rows.first()).toBeVisible();
    await expectNoSidewaysScroll(page, path);
  }
});

test("thumbnails, the shared marker and deleting two files at once with one confirmation", async ({ page }) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  const picture = { name: "harbour.png", mimeType: "image/png", buffer: gradientPng(64, 48) };
  const texts = ["alpha.txt", "beta.txt", "gamma.txt"].map((name) => ({ name, mimeType: "text/plain", buffer: textOfSize(512, name) }));
  await uploadThroughDashboard(page, [picture, ...texts]);
  const rows = page.getByTestId("file-row");
  const row = (name: string) => rows.filter({ hasText: name });

  // The picture's thumbnail really loads (through the redirect to storage, under the CSP); text gets an icon.
  const thumbnail = row(picture.name).getByRole("img", { name: `Thumbnail of ${picture.name}` });
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(64);
  await expect(row("alpha.txt").getByTestId("file-icon")).toBeVisible();
  await expect(row("alpha.txt").getByRole("img")).toHaveCount(0);

  // A share link shows as "1 link" on the file's row.
  await expect(row("beta.txt").getByTestId("share-marker")).toHaveCount(0);
  await page.getByRole("link", { name: "Share beta.txt" }).click();
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByTestId("share-row")).toHaveCount(1);
  await page.getByRole("link", { name: "← My files" }).click();
  await expect(row("beta.txt").getByTestId("share-marker")).toHaveText("1 link");
  await expect(row("alpha.txt").getByTestId("share-marker")).toHaveCount(0);

  // Select all on the page, then none.
  const selectAll = page.getByRole("checkbox", { name: "Select all files on this page" });
  await selectAll.check();
  await expect(page.getByRole("button", { name: "Delete 4 files" })).toBeEnabled();
  await selectAll.uncheck();
  await expect(page.getByRole("button", { name: "Delete selected" })).toBeDisabled();

  // Two files: one dialog, focus inside it, Escape leaves everything as it was.
  await page.getByRole("checkbox", { name: "Select alpha.txt" }).check();
  await page.getByRole("checkbox", { name: "Select gamma.txt" }).check();
  await expect(selectAll).not.toBeChecked();
  expect(await selectAll.evaluate((box: HTMLInputElement) => box.indeterminate)).toBe(true);
  const open = page.getByRole("button", { name: "Delete 2 files" });
  await open.click();
  const dialog = page.getByRole("dialog", { name: "Delete 2 files?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("alpha.txt");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();
  await expect(rows).toHaveCount(4);

  await open.click();
  await dialog.getByRole("button", { name: "Delete 2 files" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("selection-status")).toHaveText("Deleted 2 files.");
  await expect(rows).toHaveCount(2);
  await expect(row("alpha.txt")).toHaveCount(0);
  await expect(row("gamma.txt")).toHaveCount(0);
  await page.reload();
  await expect(rows).toHaveCount(2);
  await expect(row(picture.name)).toBeVisible();
  await expect(row("beta.txt")).toBeVisible();
  expect(violations).toEqual([]);
});
