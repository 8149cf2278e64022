import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, type Download, type Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

export function newEmail(): string {
  return `e2e-${randomUUID()}@example.test`;
}

export async function signUp(page: Page, email: string, name = "Ada Lovelace"): Promise<void> {
  await page.goto("/sign-up");
  await page.getByLabel("Name (optional)").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function downloadedBytes(download: Download): Promise<Buffer> {
  return readFile((await download.path())!);
}

/** Set VALET_UPDATE_SCREENSHOTS=1 to refresh the README's screenshots in docs/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.VALET_UPDATE_SCREENSHOTS === "1" ? "docs/screenshots" : "test-results/screenshots";
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Printable pseudo-random text (so it is honestly text/plain) of exactly `size` bytes. */
export function textOfSize(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha512").update(seed).digest();
  for (let offset = 0; offset < size; ) {
    const line = Buffer.from(`${block.toString("base64")}\n`);
    offset += line.copy(out, offset);
    block = createHash("sha512").update(block).digest();
  }
  return out;
}
