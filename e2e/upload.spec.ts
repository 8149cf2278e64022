import { expect, test } from "@playwright/test";
import { MiB } from "../lib/units";
import { cspViolations, downloadedBytes, newEmail, screenshot, sha256, signIn, signUp, textOfSize } from "./helpers";

test("sign up, upload a small and a multipart file, download both, delete one, sign out and back in", async ({ page }) => {
  const violations = cspViolations(page);
  const email = newEmail();
  await signUp(page, email);
  await expect(page.getByTestId("files-empty")).toBeVisible();
  await screenshot(page, "files-empty");

  const small = { name: "hello 👋.txt", mimeType: "text/plain", buffer: textOfSize(1024, "small") };
  const large = { name: "big-notes.txt", mimeType: "text/plain", buffer: textOfSize(24 * MiB, "large") };
  await page.locator(".uppy-Dashboard-input").first().setInputFiles([small, large]);
  await page.getByRole("button", { name: /Upload 2 files/ }).click();

  const rows = page.getByTestId("file-row");
  await expect(rows.filter({ hasText: small.name })).toBeVisible({ timeout: 120_000 });
  await expect(rows.filter({ hasText: large.name })).toBeVisible({ timeout: 120_000 });
  await expect(rows.filter({ hasText: large.name })).toContainText("24.0 MiB");
  await expect(rows.filter({ hasText: small.name })).toContainText("1.00 KiB");
  await screenshot(page, "files-uploaded");

  for (const file of [small, large]) {
    const downloading = page.waitForEvent("download");
    await page.getByRole("link", { name: `Download ${file.name}` }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(file.name);
    expect(sha256(await downloadedBytes(download))).toBe(sha256(file.buffer));
  }

  await page.getByRole("button", { name: `Delete ${large.name}` }).click();
  await page.getByRole("button", { name: `Confirm deleting ${large.name}` }).click();
  await expect(rows.filter({ hasText: large.name })).toHaveCount(0);
  await expect(rows).toHaveCount(1);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/files");
  await expect(page).toHaveURL(/\/sign-in$/);

  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(small.name);
  // All of the above ran under the Content-Security-Policy.
  expect(violations).toEqual([]);
});

test("a refused file type shows a clear message and nothing is uploaded", async ({ page }) => {
  await signUp(page, newEmail());
  await page.locator(".uppy-Dashboard-input").first().setInputFiles([{ name: "tool.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") }]);
  await expect(page.getByText("That type of file isn't accepted.").first()).toBeVisible();
  await expect(page.getByTestId("files-empty")).toBeVisible();
});

test("a wrong password is refused with a message that says what to do", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, email, "not the password");
  await expect(page.getByText("That email and password don't match an account")).toBeVisible();
  await screenshot(page, "sign-in-error");
});
