import { expect, test } from "./fixtures";
import { cspViolations, downloadedBytes, gradientPng, newEmail, screenshot, sha256, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

test("share with a password and one download, revoke a second link, preview an image", async ({ page, browser }) => {
  await signUp(page, newEmail(), "Grace Hopper");
  const report = { name: "report.txt", mimeType: "text/plain", buffer: textOfSize(4096, "report") };
  const picture = { name: "sunset.png", mimeType: "image/png", buffer: gradientPng(480, 320) };
  await uploadThroughDashboard(page, [report, picture]);

  // Owner: a link with a password and a single download.
  await page.getByRole("link", { name: `Share ${report.name}` }).click();
  await expect(page.getByRole("heading", { name: report.name })).toBeVisible();
  await expect(page.getByTestId("shares-empty")).toBeVisible();
  await page.getByLabel("1 day").check();
  await page.getByLabel("Maximum downloads (optional)").fill("1");
  await page.getByLabel("Password (optional)").fill("s3cret pass");
  await page.getByRole("button", { name: "Create link" }).click();
  const protectedLink = await page.getByLabel("New share link").inputValue();
  expect(protectedLink).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);
  await screenshot(page, "share-created");

  // Recipient: another browser context, no account.
  const recipientContext = await browser.newContext();
  const recipient = await recipientContext.newPage();
  const violations = [cspViolations(page), cspViolations(recipient)];
  await recipient.goto(protectedLink);
  await expect(recipient.getByRole("heading", { name: report.name })).toBeVisible();
  await expect(recipient.getByText("Grace Hopper shared a file with you")).toBeVisible();
  await expect(recipient.getByText("This link is protected by a password.")).toBeVisible();
  await screenshot(recipient, "share-password");
  await recipient.getByLabel("Password").fill("s3cret pass");
  const downloading = recipient.waitForEvent("download");
  await recipient.getByRole("button", { name: "Download" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(report.name);
  expect(sha256(await downloadedBytes(download))).toBe(sha256(report.buffer));

  // A second attempt finds the link used up: the 410 page.
  await recipient.getByLabel("Password").fill("s3cret pass");
  const answered = recipient.waitForResponse((r) => r.url().endsWith("/download") && r.request().method() === "POST");
  await recipient.getByRole("button", { name: "Download" }).click();
  expect((await answered).status()).toBe(410);
  await expect(recipient.getByRole("heading", { name: "This link has been used up" })).toBeVisible();

  // Owner: the list shows the use; a second link is revoked and then answers 410.
  await page.reload();
  await expect(page.getByTestId("share-row").first()).toContainText("Used up");
  await expect(page.getByTestId("share-row").first()).toContainText("1 / 1");
  await page.getByRole("button", { name: "Create link" }).click();
  const revokedLink = await page.getByLabel("New share link").inputValue();
  await page.getByRole("button", { name: /^Revoke link/ }).click();
  await expect(page.getByTestId("share-row").filter({ hasText: "Revoked" })).toHaveCount(1);
  const gone = await recipient.goto(`${revokedLink}/download`);
  expect(gone?.status()).toBe(410);
  await expect(recipient.getByRole("heading", { name: "This link is no longer available" })).toBeVisible();
  await recipient.goto(revokedLink);
  await expect(recipient.getByRole("alert").filter({ hasText: "turned off" })).toBeVisible();

  // An open link to an image shows a preview.
  await page.goto("/files");
  await page.getByRole("link", { name: `Share ${picture.name}` }).click();
  await expect(page.getByRole("img", { name: `Preview of ${picture.name}` })).toBeVisible();
  await page.getByRole("button", { name: "Create link" }).click();
  const pictureLink = await page.getByLabel("New share link").inputValue();
  await recipient.goto(pictureLink);
  const preview = recipient.getByTestId("preview-image");
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480);
  await screenshot(recipient, "share-preview");
  expect(violations.flat()).toEqual([]);
  await recipientContext.close();
});
