import pg from "pg";

import { expect, PHONE, sidewaysOverflow, test } from "./fixtures";
import { gradientPng, newEmail, screenshot, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

async function promoteToAdmin(email: string) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [email]);
  await client.end();
}

test("an admin searches, filters and deletes uploads; a normal user gets 403", async ({ page, browser }) => {
  const ownerEmail = newEmail();
  await signUp(page, ownerEmail, "Ordinary User");
  await uploadThroughDashboard(page, [
    { name: "quarterly-report.txt", mimeType: "text/plain", buffer: textOfSize(2048, "q") },
    { name: "team-photo.png", mimeType: "image/png", buffer: gradientPng(64, 48) },
  ]);
  // No Admin link, and the console itself answers 403.
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  // A client-side navigation renders only the page (the admin layout does not run): the page itself refuses.
  await page.goto("/files");
  await page.evaluate(() => (window as unknown as { next: { router: { push(href: string): void } } }).next.router.push("/admin/audit"));
  await expect(page).toHaveURL(/\/admin\/audit$/);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
  await expect(page.getByTestId("audit-row")).toHaveCount(0);

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const adminEmail = newEmail();
  await signUp(admin, adminEmail, "Ada Admin");
  await promoteToAdmin(adminEmail);
  await admin.reload();
  await admin.getByRole("link", { name: "Admin" }).click();
  await expect(admin.getByRole("heading", { name: "Admin" })).toBeVisible();

  await admin.getByLabel("Owner email").fill(ownerEmail);
  await admin.getByRole("button", { name: "Search" }).click();
  const rows = admin.getByTestId("admin-upload-row");
  await expect(rows).toHaveCount(2);
  await admin.getByLabel("Type").fill("image/png");
  await admin.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("team-photo.png");
  await screenshot(admin, "admin-uploads");

  await admin.getByRole("button", { name: "Delete team-photo.png" }).click();
  await admin.getByRole("button", { name: "Confirm delete team-photo.png" }).click();
  await expect(rows.first()).toContainText("deleted");

  await admin.getByRole("link", { name: "Audit log" }).click();
  await admin.getByLabel("Actor").fill(adminEmail);
  await admin.getByRole("button", { name: "Filter" }).click();
  await expect(admin.getByTestId("audit-row").filter({ hasText: "file.deleted" })).toHaveCount(1);

  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("textbox", { name: "Search users" }).fill(ownerEmail);
  await admin.getByRole("button", { name: "Search" }).click();
  await expect(admin.getByTestId("admin-user-row")).toContainText("1 file(s)");
  await adminContext.close();

  await page.goto("/files");
  await expect(page.getByTestId("file-row")).toHaveCount(1);
});

test("on a 390 px phone, no signed-in page scrolls sideways (a file's page and the admin console included)", async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const email = newEmail();
  await signUp(page, email, "Phone User");
  await uploadThroughDashboard(page, [{ name: "pocket-notes.txt", mimeType: "text/plain", buffer: textOfSize(1024, "pocket") }]);
  await promoteToAdmin(email);
  await page.getByRole("link", { name: "Share pocket-notes.txt" }).click();
  await expect(page.getByRole("heading", { name: "pocket-notes.txt" })).toBeVisible();
  // A link, so that the file's page has its table of links (with the Revoke buttons).
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByTestId("share-row")).toHaveCount(1);
  const fileUrl = page.url();
  for (const path of [fileUrl, "/files", "/settings", "/admin", "/admin/users", "/admin/audit"]) {
    await page.goto(path);
    await expect(page.locator("main")).toBeVisible();
    // (Measured 288, 545 and 294 px on the file's page, /admin and /admin/users before the tables
    // kept their visually hidden caption and "Actions" header inside their scroll box.)
    expect({ path, overflow: await sidewaysOverflow(page) }).toEqual({ path, overflow: 0 });
  }
  // The lists fit: a row's actions are within the screen's width, not behind a sideways swipe of the table.
  const rightEdge = async (name: string | RegExp) => {
    const box = await page.getByRole("button", { name }).first().boundingBox();
    return box ? Math.ceil(box.x + box.width) : Infinity;
  };
  await page.goto("/files");
  expect(await rightEdge("Delete pocket-notes.txt")).toBeLessThanOrEqual(PHONE.width);
  await page.getByTestId("file-row").first().scrollIntoViewIfNeeded();
  await screenshot(page, "files-phone");
  await page.goto(fileUrl);
  expect(await rightEdge(/^Revoke link created/)).toBeLessThanOrEqual(PHONE.width);
  await context.close();
});
