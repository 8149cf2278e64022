import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import pg from "pg";
import { Webhook } from "standardwebhooks";

import { expect, PHONE, sidewaysOverflow, test } from "./fixtures";
import { newEmail, screenshot, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

async function onDatabase(run: (client: pg.Client) => Promise<unknown>) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

const promoteToAdmin = (email: string) => onDatabase((db) => db.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [email]));

type Verified = { type: string; data: { file: { name: string } } };

/** A receiver on this machine (the test app allows private addresses) that checks each signature. */
async function startReceiver() {
  const receiver = { url: "", secret: "", answer: 204, verified: [] as Verified[], close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        receiver.verified.push(new Webhook(receiver.secret).verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>) as Verified);
        res.writeHead(receiver.answer).end(receiver.answer >= 300 ? "receiver is down for maintenance" : "");
      } catch {
        res.writeHead(401).end("bad signature");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/valet-hook`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Signs up an admin, adds an endpoint for upload.ready only, and returns the secret it was shown. */
async function addEndpoint(page: Page, url: string): Promise<string> {
  const email = newEmail();
  await signUp(page, email, "Hook Admin");
  await promoteToAdmin(email);
  await page.goto("/admin");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { name: "Webhooks" })).toBeVisible();
  const form = page.getByRole("form", { name: "Add a webhook endpoint" });
  await form.getByLabel("URL").fill(url);
  await form.getByLabel("Description (optional)").fill("e2e receiver");
  for (const event of ["upload.rejected", "upload.quarantined", "share.downloaded", "file.deleted"]) {
    await form.getByRole("checkbox", { name: new RegExp(`^${event.replace(".", "\\.")}`) }).uncheck();
  }
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("webhook-secret")).toContainText("shown only once");
  const secret = await page.getByRole("textbox", { name: "Signing secret" }).inputValue();
  expect(secret).toMatch(/^whsec_/);
  return secret;
}

async function openLog(page: Page, url: string) {
  await page.goto("/admin/webhooks");
  await page.getByTestId("webhook-row").filter({ hasText: url }).getByRole("link", { name: "Delivery log" }).click();
  await expect(page.getByRole("heading", { name: `Deliveries to ${url}` })).toBeVisible();
}

/**
 * Reloads until the log has a row for `event` about `fileName` in `status` (the log is rendered by
 * the server). The endpoint hears the uploads of every spec running at once: the name tells ours.
 */
async function waitForRow(page: Page, event: string, fileName: string, status: string) {
  const row = page
    .getByTestId("delivery-row")
    .filter({ hasText: event })
    .filter({ hasText: fileName })
    .filter({ has: page.getByTestId("webhook-status").getByText(status, { exact: true }) });
  await expect.poll(async () => (await page.reload(), await row.count()), { timeout: 60_000 }).toBeGreaterThan(0);
  return row.first();
}

test("an admin adds a webhook endpoint, copies its secret once, and sees a signed delivery after an upload", async ({ page }) => {
  const receiver = await startReceiver();
  const { url } = receiver;
  try {
    receiver.secret = await addEndpoint(page, url);
    const row = page.getByTestId("webhook-row").filter({ hasText: url });
    await expect(row).toContainText("upload.ready");
    await expect(row).not.toContainText("file.deleted");
    await expect(row.getByTestId("webhook-last-delivery")).toHaveText("No deliveries yet.");
    await screenshot(page, "admin-webhooks");

    // Never shown again.
    await page.reload();
    await expect(page.getByTestId("webhook-row").filter({ hasText: url })).toBeVisible();
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(receiver.secret.slice(6));

    await page.goto("/files");
    await uploadThroughDashboard(page, [{ name: "hooked-e2e.txt", mimeType: "text/plain", buffer: textOfSize(4096, "h") }]);
    await expect.poll(() => receiver.verified.some((v) => v.type === "upload.ready" && v.data.file.name === "hooked-e2e.txt"), { timeout: 30_000 }).toBe(true);

    await openLog(page, url);
    const delivered = await waitForRow(page, "upload.ready", "hooked-e2e.txt", "delivered");
    await expect(delivered).toContainText("204");

    await page.goto("/admin/webhooks");
    await expect(page.getByTestId("webhook-row").filter({ hasText: url }).getByTestId("webhook-last-delivery")).toContainText("delivered");
    await page.getByRole("button", { name: `Delete ${url}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete endpoint" }).click();
    await expect(page.getByTestId("webhook-row").filter({ hasText: url })).toHaveCount(0);
  } finally {
    // Left registered (a failed run), it would go on hearing every other spec's events.
    await onDatabase((db) => db.query(`DELETE FROM "WebhookEndpoint" WHERE url = $1`, [url]));
    await receiver.close();
  }
});

test("a delivery the endpoint keeps refusing is shown as failed, and Redeliver sends it once the endpoint is fixed", async ({ page }) => {
  const receiver = await startReceiver();
  const { url } = receiver;
  receiver.answer = 503;
  try {
    receiver.secret = await addEndpoint(page, url);
    await page.goto("/files");
    await uploadThroughDashboard(page, [{ name: "refused-e2e.txt", mimeType: "text/plain", buffer: textOfSize(2048, "r") }]);

    // The test app tries 3 times, e and e² seconds apart.
    await openLog(page, url);
    const failed = await waitForRow(page, "upload.ready", "refused-e2e.txt", "failed");
    await expect(failed).toContainText("answered 503.");
    // What the receiver said is not repeated (its error pages may hold its own secrets).
    await expect(failed).not.toContainText("receiver is down for maintenance");

    // On a phone: the error is still there, and the button is on the screen, not behind a sideways swipe.
    await page.setViewportSize(PHONE);
    expect(await sidewaysOverflow(page)).toBe(0);
    await expect(failed.getByText(/answered 503/).first()).toBeVisible();
    const redeliver = failed.getByRole("button", { name: "Redeliver" });
    const box = await redeliver.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "admin-webhook-deliveries");

    receiver.answer = 204;
    await redeliver.click();
    const delivered = await waitForRow(page, "upload.ready", "refused-e2e.txt", "delivered");
    await expect(delivered).toContainText("1 attempt(s)");
    expect(receiver.verified.filter((v) => v.data.file.name === "refused-e2e.txt")).toHaveLength(4);
  } finally {
    await onDatabase((db) => db.query(`DELETE FROM "WebhookEndpoint" WHERE url = $1`, [url]));
    await receiver.close();
  }
});
