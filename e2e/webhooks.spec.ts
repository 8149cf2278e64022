import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

test("an admin adds a webhook endpoint, copies its secret once, and sees a signed delivery after an upload", async ({ page }) => {
  // A receiver on this machine (the test app allows private addresses) that checks each signature.
  let secret = "";
  const verified: Array<{ type: string; data: { file: { name: string } } }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        verified.push(new Webhook(secret).verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>) as (typeof verified)[number]);
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end("bad signature");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/valet-hook`;

  try {
    const email = newEmail();
    await signUp(page, email, "Hook Admin");
    await promoteToAdmin(email);
    await page.goto("/admin");
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByRole("heading", { name: "Webhooks" })).toBeVisible();

    const form = page.getByRole("form", { name: "Add a webhook endpoint" });
    await form.getByLabel("URL").fill(url);
    await form.getByLabel("Description (optional)").fill("e2e receiver");
    // Only upload.ready: the other events are unchecked.
    for (const event of ["upload.rejected", "upload.quarantined", "share.downloaded", "file.deleted"])
      await form.getByRole("checkbox", { name: new RegExp(`^${event.replace(".", "\\.")}`) }).uncheck();
    await form.getByRole("button", { name: "Add endpoint" }).click();

    const shown = page.getByTestId("webhook-secret");
    await expect(shown).toContainText("shown only once");
    secret = await page.getByRole("textbox", { name: "Signing secret" }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    const row = page.getByTestId("webhook-row").filter({ hasText: url });
    await expect(row).toContainText("upload.ready");
    await expect(row).not.toContainText("file.deleted");
    await expect(row.getByTestId("webhook-last-delivery")).toHaveText("No deliveries yet.");
    await screenshot(page, "admin-webhooks");

    // Never shown again.
    await page.reload();
    await expect(page.getByTestId("webhook-row").filter({ hasText: url })).toBeVisible();
    await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret.slice(6));

    await page.goto("/files");
    await uploadThroughDashboard(page, [{ name: "hooked-e2e.txt", mimeType: "text/plain", buffer: textOfSize(4096, "h") }]);
    await expect.poll(() => verified.some((v) => v.type === "upload.ready" && v.data.file.name === "hooked-e2e.txt"), { timeout: 30_000 }).toBe(true);

    await page.goto("/admin/webhooks");
    await page.getByTestId("webhook-row").filter({ hasText: url }).getByRole("link", { name: "Delivery log" }).click();
    await expect(page.getByRole("heading", { name: `Deliveries to ${url}` })).toBeVisible();
    const delivered = page.getByTestId("delivery-row").filter({ hasText: "upload.ready" }).filter({ hasText: "delivered" });
    await expect.poll(async () => (await page.reload(), await delivered.count()), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(delivered.first()).toContainText("204");

    // The log fits a phone.
    await page.setViewportSize(PHONE);
    expect(await sidewaysOverflow(page)).toBe(0);
    // Its action is on the screen, not behind a sideways swipe of the table.
    const redeliver = delivered.first().getByRole("button", { name: "Redeliver" });
    await expect(redeliver).toBeVisible();
    const box = await redeliver.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "admin-webhook-deliveries");

    await page.goto("/admin/webhooks");
    await page.getByRole("button", { name: `Delete ${url}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete endpoint" }).click();
    await expect(page.getByTestId("webhook-row").filter({ hasText: url })).toHaveCount(0);
  } finally {
    // Left registered (a failed run), it would go on hearing every other spec's events.
    await onDatabase((db) => db.query(`DELETE FROM "WebhookEndpoint" WHERE url = $1`, [url]));
    await new Promise((resolve) => server.close(resolve));
  }
});
