import { writeFile } from "node:fs/promises";
import { type Request } from "@playwright/test";

import { MiB } from "../lib/units";
import { expect, test } from "./fixtures";
import { cspViolations, downloadedBytes, newEmail, screenshot, sha256, signIn, signUp, storageFor, textOfSize, uploadThroughDashboard } from "./helpers";

test("sign up, upload a small and a multipart file, download both, delete one, sign out and back in", async ({ page }, testInfo) => {
  const violations = cspViolations(page);
  const email = newEmail();
  await signUp(page, email);
  await expect(page.getByTestId("files-empty")).toBeVisible();
  await screenshot(page, "files-empty");

  const small = { name: "hello 👋.txt", buffer: textOfSize(1024, "small") };
  const large = { name: "big-notes.txt", buffer: textOfSize(24 * MiB, "large") };
  // Chosen as files on disk: Playwright hands a 24 MiB in-memory buffer to the page slowly (15 s here).
  const paths = [small, large].map((file) => testInfo.outputPath(file.name));
  await Promise.all([small, large].map((file, i) => writeFile(paths[i]!, file.buffer)));
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(paths);
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
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ffiles$/);

  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(small.name);
  // All of the above ran under the Content-Security-Policy.
  expect(violations).toEqual([]);
});

test("a refused file type, or an empty file, names the file and says why until it is dismissed; nothing is uploaded", async ({ page }) => {
  // The page's clock is ours: Uppy's own toasts vanish after 5 s; these messages must not.
  await page.clock.install();
  await signUp(page, newEmail());
  await page
    .locator(".uppy-Dashboard-input")
    .first()
    .setInputFiles([{ name: "tool.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") }]);
  const problems = page.getByTestId("upload-problem");
  await expect(problems.filter({ hasText: "tool.exe" })).toContainText("Not accepted. That type of file isn't accepted.");
  await page
    .locator(".uppy-Dashboard-input")
    .first()
    .setInputFiles([{ name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) }]);
  await expect(problems.filter({ hasText: "empty.txt" })).toContainText("That file is empty: there is nothing in it to upload.");
  await page.clock.fastForward(60_000);
  await expect(problems).toHaveCount(2);
  // A reload keeps them too (this tab's sessionStorage).
  await page.reload();
  await expect(problems).toHaveCount(2);
  await expect(page.getByTestId("files-empty")).toBeVisible();
  await page.getByRole("button", { name: "Dismiss: tool.exe" }).click();
  await expect(problems).toHaveCount(1);
  await expect(problems).toContainText("empty.txt");
  await page.getByRole("button", { name: "Dismiss: empty.txt" }).click();
  await expect(problems).toHaveCount(0);
});

test("a quarantined file says so and why, without hovering, and is not listed or called complete", async ({ page }) => {
  await signUp(page, newEmail());
  // Named and typed as a PNG, but its bytes are text: completion quarantines it.
  const file = { name: "holiday.png", mimeType: "image/png", buffer: textOfSize(3000, "not a picture") };
  await page.locator(".uppy-Dashboard-input").first().setInputFiles([file]);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  const problem = page.getByTestId("upload-problem").filter({ hasText: file.name });
  await expect(problem).toContainText("Quarantined.", { timeout: 60_000 });
  await expect(problem).toContainText("an administrator will review it");
  await expect(problem).toBeVisible();
  // It left the uploader (nothing there to retry: the verdict stands), and My files does not list it.
  await expect(page.locator(".uppy-Dashboard-Item")).toHaveCount(0);
  await expect(page.locator(".uppy-Dashboard")).not.toContainText("Upload complete");
  await expect(page.getByTestId("files-empty")).toBeVisible();
  await screenshot(page, "upload-quarantined");
});

test("cancelling an upload under way asks first; Keep uploading keeps it, Cancel discards it without errors", async ({ page }, testInfo) => {
  const problems: string[] = [];
  page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
  page.on("response", (response) => void (response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`)));
  await signUp(page, newEmail());
  const reserved = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/uploads");
  // Storage holds every part until the test lets go, so the upload is surely under way when Cancel is pressed.
  const held: Array<() => Promise<void>> = [];
  const storage = storageFor(testInfo.project.name);
  await page.route(
    (url) => url.origin === storage.origin && storage.partNumber(url) !== null,
    (route) => void held.push(() => route.continue().catch(() => undefined)),
  );
  await page
    .locator(".uppy-Dashboard-input")
    .first()
    .setInputFiles([{ name: "long.txt", mimeType: "text/plain", buffer: textOfSize(20 * MiB, "long") }]);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await expect.poll(() => held.length).toBeGreaterThan(0);

  const cancel = page.locator(".uppy-StatusBar").getByRole("button", { name: "Cancel" });
  await cancel.click();
  const dialog = page.getByRole("dialog", { name: "Cancel the upload?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep uploading" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".uppy-Dashboard-Item")).toHaveCount(1);
  const uploadId = ((await (await reserved).json()) as { upload: { id: string } }).upload.id;
  expect(((await (await page.request.get(`/api/uploads/${uploadId}`)).json()) as { upload: { status: string } }).upload.status).toBe("PENDING");

  await cancel.click();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page.locator(".uppy-Dashboard-Item")).toHaveCount(1);

  await cancel.click();
  await dialog.getByRole("button", { name: "Cancel upload", exact: true }).click();
  await expect(page.locator(".uppy-Dashboard-Item")).toHaveCount(0);
  for (const release of held.splice(0)) await release();
  // Valet cancelled the reservation (and the multipart upload in storage); nothing failed on the way, not even quietly.
  await expect
    .poll(async () => ((await (await page.request.get(`/api/uploads/${uploadId}`)).json()) as { upload: { status: string } }).upload.status)
    .toBe("ABORTED");
  expect(problems).toEqual([]);
});

test("a wrong password is refused with a message that says what to do", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await signIn(page, email, "not the password");
  await expect(page.getByText("That email and password don't match an account")).toBeVisible();
  await screenshot(page, "sign-in-error");
});

test("a reload mid-upload resumes from the parts storage already has, after the file is chosen again", async ({ page }, testInfo) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  // On disk, so that choosing it again gives the same file (name, size and modification time).
  const file = testInfo.outputPath("resume-me.txt");
  await writeFile(file, textOfSize(40 * MiB, "resume"));
  const storage = storageFor(testInfo.project.name);
  const partNumberOf = (url: string) => storage.partNumber(new URL(url));
  const sentParts: string[] = [];
  page.on("requestfinished", (request) => {
    if (request.method() === "PUT" && partNumberOf(request.url())) sentParts.push(partNumberOf(request.url())!);
  });

  // Part 3 never gets an answer; the others (sent alongside it) land, then the page is reloaded.
  const isPart3 = (url: URL) => url.origin === storage.origin && storage.partNumber(url) === "3";
  const part3Held = new Promise<void>((resolve) => void page.route(isPart3, () => resolve()));
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await part3Held;
  await expect.poll(() => [...sentParts].sort()).toEqual(["1", "2", "4", "5"]);

  await page.reload();
  // The held request died with the old page; from here on, part 3 may go through.
  await page.unrouteAll({ behavior: "ignoreErrors" });
  sentParts.length = 0;
  const listedParts = page.waitForRequest(storage.isPartListing);
  // Too big to keep in the browser, so Valet asks for the file again and then resumes.
  await expect(page.getByText("We could not fully recover 1 file. Please re-select it and resume the upload.")).toBeVisible();
  await screenshot(page, "upload-resume");
  await page.getByRole("button", { name: "Add more files" }).click();
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
  await page
    .getByRole("button", { name: /Upload|Resume/ })
    .first()
    .click();
  await listedParts;
  const rows = page.getByTestId("file-row");
  await expect(rows.filter({ hasText: "resume-me.txt" })).toContainText("40.0 MiB", { timeout: 120_000 });
  // Only the part storage did not have was sent again.
  expect(sentParts).toEqual(["3"]);
  expect(violations).toEqual([]);
});

test("files waiting in one person's uploader are never shown to the next person on the same browser", async ({ page }) => {
  const first = newEmail();
  await signUp(page, first);
  await page
    .locator(".uppy-Dashboard-input")
    .first()
    .setInputFiles({ name: "private-plans.txt", mimeType: "text/plain", buffer: textOfSize(2048, "private") });
  await expect(page.getByText("private-plans.txt")).toBeVisible();
  // Kept for a reload (Golden Retriever), but not uploaded.
  await page.reload();
  await expect(page.getByText("private-plans.txt")).toBeVisible();

  // The tab is left, the session ends, and someone else uses this browser. (Full page loads
  // throughout: the first person's saved uploader state stays in the browser all along.)
  await page.context().clearCookies();
  await signUp(page, newEmail(), "Grace Hopper");
  await page
    .locator(".uppy-Dashboard-input")
    .first()
    .setInputFiles({ name: "grace-notes.txt", mimeType: "text/plain", buffer: textOfSize(1024, "grace") });
  await page.reload();
  // Their own file coming back shows the restore has run; the other person's must not be there.
  await expect(page.getByText("grace-notes.txt")).toBeVisible();
  await expect(page.getByText("private-plans.txt")).toHaveCount(0);

  // It was there all along, for its owner only.
  await page.context().clearCookies();
  await signIn(page, first);
  await expect(page.getByText("private-plans.txt")).toBeVisible();
});

test("a single PUT whose answer is lost: the retry meets the object already there (412, Azure 409) and the upload still completes", async ({
  page,
}, testInfo) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  const file = { name: "landed-once.txt", mimeType: "text/plain", buffer: textOfSize(2048, "landed") };
  const storage = storageFor(testInfo.project.name);
  const storageAnswers: number[] = [];
  page.on("response", (response) => {
    if (response.request().method() === "PUT" && response.url().startsWith(storage.origin)) storageAnswers.push(response.status());
  });
  // The first PUT reaches storage and lands; its answer never reaches the browser (a dropped connection).
  let dropped = false;
  await page.route(
    (url) => url.origin === storage.origin && !url.searchParams.has("uploadId"),
    async (route) => {
      if (route.request().method() !== "PUT" || dropped) return route.continue();
      dropped = true;
      const landed = await route.fetch();
      expect(landed.status()).toBe(storage.created);
      await route.abort("connectionreset");
    },
  );
  await page.locator(".uppy-Dashboard-input").first().setInputFiles([file]);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await expect(page.getByTestId("file-row").filter({ hasText: file.name })).toBeVisible({ timeout: 60_000 });
  // Uppy retried the same URL; storage refused to write the object twice, and Valet verified the one that landed.
  expect(dropped).toBe(true);
  expect(storageAnswers).toContain(storage.alreadyExists);
  await expect(page.locator(".uppy-StatusBar")).toContainText("Complete");
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: `Download ${file.name}` }).click();
  expect(sha256(await downloadedBytes(await downloading))).toBe(sha256(file.buffer));
  expect(violations).toEqual([]);
});

test("a 64 MiB file goes up several parts at a time, hashed in a Web Worker, without blocking the page", async ({ page }, testInfo) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  const file = testInfo.outputPath("parallel.txt");
  await writeFile(file, textOfSize(64 * MiB, "parallel"));
  const workers: string[] = [];
  page.on("worker", (worker) => workers.push(worker.url()));
  // Part PUTs on their way right now, and the most there ever were at once.
  let inFlight = 0;
  let mostInFlight = 0;
  const storage = storageFor(testInfo.project.name);
  const isPart = (request: Request) => request.method() === "PUT" && storage.partNumber(new URL(request.url())) !== null;
  page.on("request", (request) => {
    if (isPart(request)) mostInFlight = Math.max(mostInFlight, ++inFlight);
  });
  const settled = (request: Request) => void (isPart(request) && (inFlight -= 1));
  page.on("requestfinished", settled);
  page.on("requestfailed", settled);

  await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await expect(page.getByTestId("file-row").filter({ hasText: "parallel.txt" })).toContainText("64.0 MiB", { timeout: 120_000 });
  await expect(page.locator(".uppy-StatusBar")).toContainText("Complete");
  // (The upper bound, UPLOAD_PART_CONCURRENCY, is the patched uploader's unit tests' to prove: a
  // part's "finished" event can reach the test after the next part's request has started.)
  expect(mostInFlight).toBeGreaterThan(1);
  // The digests came from the hashing worker, one of the app's own scripts.
  expect(workers.some((url) => new URL(url).origin === new URL(page.url()).origin)).toBe(true);
  expect(violations).toEqual([]);
});

test("a verification that fails is not shown as complete; Retry asks Valet again and ends with the file listed", async ({ page }) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  const file = { name: "verify-me.txt", mimeType: "text/plain", buffer: textOfSize(4096, "verify") };
  // The first completion call fails before it reaches Valet (a proxy answering 500); the next ones go through.
  let failedOnce = false;
  await page.route(/\/api\/uploads\/[^/]+\/complete$/, async (route) => {
    if (failedOnce) return route.continue();
    failedOnce = true;
    await route.fulfill({
      status: 500,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "internal", message: "The gateway fell over." } }),
    });
  });
  await page.locator(".uppy-Dashboard-input").first().setInputFiles([file]);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();

  const statusBar = page.locator(".uppy-StatusBar");
  await expect(statusBar).toContainText("Upload failed");
  await expect(statusBar).not.toContainText("Complete");
  // Valet holds no file yet, and the list says so.
  expect((await (await page.request.get("/api/files")).json()).files).toEqual([]);
  await expect(page.getByTestId("files-empty")).toBeVisible();

  await page.getByRole("button", { name: "Retry" }).first().click();
  await expect(page.getByTestId("file-row").filter({ hasText: file.name })).toBeVisible({ timeout: 60_000 });
  await expect(statusBar).toContainText("Complete");
  const listed = (await (await page.request.get("/api/files")).json()).files as Array<{ name: string }>;
  expect(listed.map((f) => f.name)).toEqual([file.name]);
  expect(violations).toEqual([]);
});

test("following a file's Share link in the middle of an upload does not lose the upload", async ({ page }, testInfo) => {
  const violations = cspViolations(page);
  await signUp(page, newEmail());
  await uploadThroughDashboard(page, [{ name: "already-here.txt", mimeType: "text/plain", buffer: textOfSize(1024, "here") }]);
  await page.getByRole("button", { name: "Done" }).click();
  const file = testInfo.outputPath("in-flight.txt");
  await writeFile(file, textOfSize(40 * MiB, "in flight"));
  // Part 5 waits until the page has moved on, so the upload is certainly running during the navigation.
  let releasePart5: () => void = () => undefined;
  const part5Release = new Promise<void>((resolve) => (releasePart5 = resolve));
  await page.route(
    (url) => url.origin === storageFor(testInfo.project.name).origin && storageFor(testInfo.project.name).partNumber(url) === "5",
    async (route) => {
      await part5Release;
      await route.continue();
    },
  );
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await expect(page.locator(".uppy-StatusBar")).toContainText("Uploading");

  await page.getByRole("link", { name: "Share already-here.txt" }).click();
  await expect(page.getByRole("heading", { name: "already-here.txt" })).toBeVisible();
  const activity = page.getByTestId("upload-activity");
  await expect(activity).toContainText("Uploading 1 file");
  releasePart5();
  // The upload finishes while this page is shown; the header notice goes once Valet has verified it.
  await expect(activity).toHaveCount(0, { timeout: 120_000 });
  await page.getByRole("link", { name: "My files", exact: true }).click();
  await expect(page.getByTestId("file-row").filter({ hasText: "in-flight.txt" })).toContainText("40.0 MiB");
  expect(violations).toEqual([]);
});
