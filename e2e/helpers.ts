import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { expect, type Download, type Page, type Request } from "@playwright/test";

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
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function downloadedBytes(download: Download): Promise<Buffer> {
  return readFile(await download.path());
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
  for (let offset = 0; offset < size;) {
    const line = Buffer.from(`${block.toString("base64")}\n`);
    offset += line.copy(out, offset);
    block = createHash("sha512").update(block).digest();
  }
  return out;
}

/** A real PNG (a colour gradient) so previews have something to show. */
export function gradientPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      rows.set([Math.round((x / width) * 255), Math.round((y / height) * 255), 200], i);
    }
  }
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

export interface UploadableFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Drops files into the Dashboard, starts the upload and waits until each is listed as ready. */
export async function uploadThroughDashboard(page: Page, files: UploadableFile[]): Promise<void> {
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(files);
  await page.getByRole("button", { name: new RegExp(`Upload ${files.length} file`) }).click();
  for (const file of files) {
    await expect(page.getByTestId("file-row").filter({ hasText: file.name })).toBeVisible({ timeout: 120_000 });
  }
}

/** Collects the page's Content-Security-Policy violations, to assert there were none. */
export function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

/**
 * The storage a project's app instance uses (playwright.config.ts: "chromium" on S3, "azure" on
 * Azurite), as the specs need to recognise its requests: one spec, both backends.
 */
export function storageFor(projectName: string) {
  if (projectName === "azure") {
    const partNumber = (url: URL) =>
      url.searchParams.get("comp") === "block"
        ? String(Number(/(\d+)$/.exec(Buffer.from(url.searchParams.get("blockid") ?? "", "base64").toString())?.[1]))
        : null;
    return {
      name: "azure" as const,
      origin: new URL(process.env.AZURE_BLOB_ENDPOINT!).origin,
      /** The part (block) number a storage request sends, or null. */
      partNumber,
      /** What storage answers a write that created the object, and one refused because it exists (If-None-Match). */
      created: 201,
      alreadyExists: 409,
      /** The request that tells the uploader which parts storage holds, after a reload. */
      isPartListing: (request: Request) => request.method() === "GET" && /^\/api\/uploads\/[^/]+\/blocks$/.test(new URL(request.url()).pathname),
    };
  }
  return {
    name: "s3" as const,
    origin: new URL(process.env.S3_ENDPOINT!).origin,
    partNumber: (url: URL) => url.searchParams.get("partNumber"),
    created: 200,
    alreadyExists: 412,
    isPartListing: (request: Request) => request.method() === "GET" && new URL(request.url()).searchParams.has("uploadId"),
  };
}
