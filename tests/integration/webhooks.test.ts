// Webhooks end to end: a receiver on 127.0.0.1 (the test apps run with WEBHOOK_ALLOW_PRIVATE=true)
// verifies every delivery with the standardwebhooks package, an independent implementation of the
// signature. Endpoints hear every event of every suite running at once, so each check picks out
// its own file's deliveries by the file id in the body.
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { expectError } from "../helpers/state";
import { complete, reserve, uploadFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, bucket, sql } from "./context";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the signature check made of it; null when it failed. */
  payload: { type: string; timestamp: string; data: { file: { id: string; sha256: string | null } } } | null;
}

interface Receiver {
  url: string;
  received: Received[];
  /** The status the receiver answers with (200 until changed). */
  answer: number;
  secret: string | null;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", received: [], answer: 200, secret: null, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let payload: Received["payload"] = null;
      try {
        payload = new Webhook(receiver.secret!).verify(body, req.headers as Record<string, string>) as Received["payload"];
      } catch {
        payload = null;
      }
      receiver.received.push({ headers: req.headers, body, payload });
      res.writeHead(receiver.answer, { "content-type": "text/plain" }).end(receiver.answer === 200 ? "ok" : "receiver is broken");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  receivers.push(receiver);
  return receiver;
}

/** Polls `check` until it returns something other than undefined (never a fixed sleep). */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const forFile = (receiver: Receiver, type: string, fileId: string) =>
  receiver.received.filter((r) => r.payload?.type === type && r.payload.data.file.id === fileId);

async function register(admin: ApiClient, events?: string[]) {
  const receiver = await startReceiver();
  const res = await admin.json("POST", "/api/admin/webhooks", {
    url: receiver.url,
    description: "integration test",
    events: events ?? ["upload.ready", "upload.rejected", "share.downloaded", "file.deleted"],
  });
  expect(res.status).toBe(201);
  receiver.secret = res.body.endpoint.secret as string;
  return { receiver, endpoint: res.body.endpoint as { id: string; secret: string } };
}

/** The delivery rows of one endpoint for one file's event, straight from the database. */
async function deliveryRows(endpointId: string, event: string, fileId: string) {
  const { rows } = await sql.query(
    `SELECT id, status, attempts, "lastStatus", "lastError" FROM "WebhookDelivery" WHERE "endpointId" = $1 AND event = $2 AND payload->'data'->'file'->>'id' = $3`,
    [endpointId, event, fileId],
  );
  return rows as Array<{ id: string; status: string; attempts: number; lastStatus: number | null; lastError: string | null }>;
}

afterAll(async () => {
  // Endpoints stay registered otherwise, and would go on hearing every other suite's events.
  await sql.query(`DELETE FROM "WebhookEndpoint" WHERE description = 'integration test'`);
  await Promise.all(receivers.map((r) => r.close()));
});

describe("webhooks", () => {
  it("only administrators may use the webhook API (403 for everyone else)", async () => {
    const { client } = await signedInClient(APP_URL);
    expectError(await client.json("GET", "/api/admin/webhooks"), 403, "forbidden");
    expectError(await client.json("POST", "/api/admin/webhooks", { url: "https://example.com/", events: ["file.deleted"] }), 403, "forbidden");
    expectError(await client.json("PATCH", `/api/admin/webhooks/${crypto.randomUUID()}`, { enabled: false }), 403, "forbidden");
    expectError(await client.json("POST", `/api/admin/webhook-deliveries/${crypto.randomUUID()}/redeliver`), 403, "forbidden");
    expectError(await new ApiClient(APP_URL).json("GET", "/api/admin/webhooks"), 401, "unauthenticated");
  });

  it("delivers upload.ready (with the file's SHA-256), share.downloaded and file.deleted, once each, signed", async () => {
    const { client: admin } = await adminClient();
    const { receiver, endpoint } = await register(admin);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // The secret is stored encrypted and never listed again.
    const stored = (await sql.query(`SELECT secret FROM "WebhookEndpoint" WHERE id = $1`, [endpoint.id])).rows[0].secret as string;
    expect(stored).not.toContain(endpoint.secret.slice(6));
    const listed = await admin.json("GET", "/api/admin/webhooks");
    expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret.slice(6));
    expect(listed.body.endpoints.find((e: { id: string }) => e.id === endpoint.id)).toMatchObject({ url: receiver.url, enabled: true, lastDelivery: null });

    const { client } = await signedInClient(APP_URL);
    const data = Buffer.from(`webhook bytes ${Math.random()}\n`.repeat(50));
    const { file } = await uploadFile(client, data, { name: "hooked.txt", type: "text/plain" });

    const [ready] = await eventually(() => (forFile(receiver, "upload.ready", file.id).length > 0 ? forFile(receiver, "upload.ready", file.id) : undefined));
    expect(ready!.payload!.data.file).toMatchObject({ id: file.id, name: "hooked.txt", size: data.length, type: "text/plain", sha256: sha256(data) });
    expect(ready!.headers["user-agent"]).toMatch(/Valet/);
    expect(ready!.headers["content-type"]).toBe("application/json");
    expect(Math.abs(Number(ready!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);

    const share = await client.json("POST", `/api/files/${file.id}/shares`, {});
    const token = new URL(share.body.share.url as string).pathname.split("/").at(-1)!;
    expect((await new ApiClient(APP_URL).request(`/s/${token}/download`)).status).toBe(302);
    const [downloaded] = await eventually(() =>
      forFile(receiver, "share.downloaded", file.id).length > 0 ? forFile(receiver, "share.downloaded", file.id) : undefined,
    );
    expect(downloaded!.payload!.data).toMatchObject({ share: { id: share.body.share.id }, download: 1 });

    expect((await client.json("DELETE", `/api/files/${file.id}`)).status).toBe(204);
    await eventually(() => (forFile(receiver, "file.deleted", file.id).length > 0 ? true : undefined));

    // Exactly one of each: one row per event and endpoint, delivered once, every one signed. (The
    // row is marked after the receiver has answered: wait for that.)
    for (const event of ["upload.ready", "share.downloaded", "file.deleted"]) {
      const rows = await eventually(async () => {
        const found = await deliveryRows(endpoint.id, event, file.id);
        return found[0]?.status === "PENDING" ? undefined : found;
      });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "DELIVERED", attempts: 1, lastStatus: 200, lastError: null });
      const got = receiver.received.filter((r) => r.headers["webhook-id"] === rows[0]!.id);
      expect(got).toHaveLength(1);
      expect(got[0]!.payload).not.toBeNull();
    }
    expect(receiver.received.every((r) => r.payload !== null)).toBe(true);

    const log = await admin.json("GET", `/api/admin/webhooks/${endpoint.id}/deliveries?limit=100`);
    expect(log.status).toBe(200);
    const mine = (log.body.deliveries as Array<{ event: string; status: string; lastStatus: number; lastLatencyMs: number }>).filter((d) =>
      receiver.received.some((r) => r.payload?.data.file.id === file.id && r.payload.type === d.event),
    );
    expect(mine.map((d) => d.event).sort()).toEqual(expect.arrayContaining(["file.deleted", "share.downloaded", "upload.ready"]));
    expect(mine.every((d) => d.status === "DELIVERED" && d.lastStatus === 200 && d.lastLatencyMs >= 0)).toBe(true);
    // Newest first, a page at a time: the pages together are the whole log, in order.
    const all = (log.body.deliveries as Array<{ id: string; createdAt: string }>).map((d) => d.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { deliveries: Array<{ id: string }>; nextCursor: string | null } } = await admin.json(
        "GET",
        `/api/admin/webhooks/${endpoint.id}/deliveries?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.body.deliveries.length).toBeLessThanOrEqual(1);
      paged.push(...page.body.deliveries.map((d) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor && paged.length < all.length + 50);
    // (Other suites' events may add newer deliveries meanwhile: those come first and are skipped.)
    expect(paged.filter((id) => all.includes(id))).toEqual(all);
    const times = (log.body.deliveries as Array<{ createdAt: string }>).map((d) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expectError(await admin.json("GET", `/api/admin/webhooks/${endpoint.id}/deliveries?cursor=nonsense`), 422, "invalid_input");
  });

  it("tells of a rejected upload (upload.rejected, with the reason)", async () => {
    const { client: admin } = await adminClient();
    const { receiver, endpoint } = await register(admin, ["upload.rejected"]);
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "short.txt", size: 100, type: "text/plain" });
    // Fewer bytes than reserved land in storage: completion refuses the upload.
    await bucket.putObject(upload.key, Buffer.from("too short"), "text/plain");
    expectError(await complete(client, upload.id), 422, "upload_rejected");
    const [rejected] = await eventually(() =>
      forFile(receiver, "upload.rejected", upload.id).length > 0 ? forFile(receiver, "upload.rejected", upload.id) : undefined,
    );
    expect(rejected!.payload!.data).toMatchObject({ file: { id: upload.id, name: "short.txt" }, reason: expect.stringMatching(/size/i) });
    expect(await deliveryRows(endpoint.id, "upload.rejected", upload.id)).toHaveLength(1);
  });

  /** A file.deleted delivery to a receiver that answers 500 until it is dead (every attempt used). */
  async function deadDelivery(admin: ApiClient) {
    const { receiver, endpoint } = await register(admin, ["file.deleted"]);
    receiver.answer = 500;
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from(`doomed ${Math.random()}`), { name: "doomed.txt", type: "text/plain" });
    expect((await client.json("DELETE", `/api/files/${file.id}`)).status).toBe(204);
    const [dead] = await eventually(async () => {
      const rows = await deliveryRows(endpoint.id, "file.deleted", file.id);
      return rows[0]?.status === "FAILED" ? rows : undefined;
    }, 60_000);
    return { receiver, endpoint, file, dead: dead! };
  }

  it("retries a failing endpoint WEBHOOK_MAX_ATTEMPTS (3) times, then marks the delivery dead; redeliver sends it again", async () => {
    const { client: admin } = await adminClient();
    const { receiver, endpoint, file, dead } = await deadDelivery(admin);
    expect(dead).toMatchObject({ attempts: 3, lastStatus: 500, lastError: "The endpoint answered 500." });
    const tries = receiver.received.filter((r) => r.headers["webhook-id"] === dead.id);
    expect(tries).toHaveLength(3);
    // The same body every time, each attempt signed anew (and verifiable).
    expect(new Set(tries.map((t) => t.body)).size).toBe(1);
    expect(tries.every((t) => t.payload !== null)).toBe(true);

    const log = await admin.json("GET", `/api/admin/webhooks/${endpoint.id}/deliveries`);
    expect(log.body.deliveries.find((d: { id: string }) => d.id === dead.id)).toMatchObject({
      status: "FAILED",
      attempts: 3,
      lastStatus: 500,
      fileName: "doomed.txt",
    });
    const listed = await admin.json("GET", "/api/admin/webhooks");
    expect(listed.body.endpoints.find((e: { id: string }) => e.id === endpoint.id).lastDelivery).toMatchObject({ status: "FAILED", lastStatus: 500 });

    receiver.answer = 200;
    const redelivered = await admin.json("POST", `/api/admin/webhook-deliveries/${dead.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.delivery).toMatchObject({ id: dead.id, status: "PENDING" });
    const [done] = await eventually(async () => {
      const rows = await deliveryRows(endpoint.id, "file.deleted", file.id);
      return rows[0]?.status === "DELIVERED" ? rows : undefined;
    });
    expect(done).toMatchObject({ attempts: 1, lastStatus: 200, lastError: null });
    expect(receiver.received.filter((r) => r.headers["webhook-id"] === dead.id)).toHaveLength(4);
    const audit = await sql.query(`SELECT action FROM "AuditEvent" WHERE action = 'webhook.redelivered' AND detail->>'deliveryId' = $1`, [dead.id]);
    expect(audit.rows).toHaveLength(1);
  }, 120_000);

  it("manages endpoints: validation, disable, rotate, delete, each audited", async () => {
    const { client: admin } = await adminClient();
    expectError(
      await admin.json("POST", "/api/admin/webhooks", { url: "https://example.com/", events: [] }),
      422,
      "invalid_input",
      /events: choose at least one event/,
    );
    expectError(await admin.json("POST", "/api/admin/webhooks", { url: "https://example.com/", events: ["file.exploded"] }), 422, "invalid_input");
    expectError(
      await admin.json("POST", "/api/admin/webhooks", { url: "ftp://example.com/", events: ["file.deleted"] }),
      400,
      "url_not_allowed",
      /https:\/\/ or http:\/\//,
    );
    expectError(
      await admin.json("POST", "/api/admin/webhooks", { url: "http://u:p@127.0.0.1/", events: ["file.deleted"] }),
      400,
      "url_not_allowed",
      /user name or password/,
    );

    const { receiver, endpoint } = await register(admin, ["file.deleted"]);
    const off = await admin.json("PATCH", `/api/admin/webhooks/${endpoint.id}`, { enabled: false });
    expect(off.body.endpoint).toMatchObject({ enabled: false });
    const rotated = await admin.json("POST", `/api/admin/webhooks/${endpoint.id}/secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.endpoint.secret).toMatch(/^whsec_/);
    expect(rotated.body.endpoint.secret).not.toBe(endpoint.secret);
    receiver.secret = rotated.body.endpoint.secret as string;
    expect((await admin.json("DELETE", `/api/admin/webhooks/${endpoint.id}`)).status).toBe(204);
    expectError(await admin.json("DELETE", `/api/admin/webhooks/${endpoint.id}`), 404, "not_found");
    const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE detail->>'endpointId' = $1 ORDER BY id`, [endpoint.id]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(["webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.deleted"]);
  });

  it("Retry of the dead webhook job in the Jobs console sends the delivery again (as Redeliver does)", async () => {
    const { client: admin } = await adminClient();
    const { receiver, endpoint, file, dead } = await deadDelivery(admin);
    const { rows } = await sql.query<{ id: string }>(
      `SELECT j.id::text AS id FROM graphile_worker.jobs j JOIN graphile_worker._private_jobs p ON p.id = j.id WHERE p.payload->>'deliveryId' = $1`,
      [dead.id],
    );
    receiver.answer = 200;
    expect((await admin.json("POST", `/api/admin/jobs/${rows[0]!.id}/retry`)).status).toBe(200);
    const [done] = await eventually(async () => {
      const delivered = await deliveryRows(endpoint.id, "file.deleted", file.id);
      return delivered[0]?.status === "DELIVERED" ? delivered : undefined;
    });
    expect(done).toMatchObject({ lastStatus: 200, lastError: null });
    expect(receiver.received.filter((r) => r.headers["webhook-id"] === dead.id)).toHaveLength(4);
  }, 90_000);
});

describe("webhooks with WEBHOOK_ALLOW_PRIVATE=false (the real guard, in this process)", () => {
  async function strictModules() {
    // The app under test allows private receivers; this process parses its own settings, with that off.
    process.env.WEBHOOK_ALLOW_PRIVATE = "false";
    const { env } = await import("@/lib/server/env");
    expect(env().WEBHOOK_ALLOW_PRIVATE).toBe(false);
    return { ...(await import("@/lib/server/webhooks")), ...(await import("@/lib/server/webhook-delivery")) };
  }

  it("refuses to register private, loopback and plain-http endpoints, saying why", async () => {
    const { createWebhookEndpoint } = await strictModules();
    const admin = await adminClient();
    const actor = {
      id: (await sql.query(`SELECT id FROM "User" WHERE email = $1`, [admin.email])).rows[0].id as string,
      email: admin.email,
      name: null,
      role: "ADMIN" as const,
      scopes: ["admin" as const],
    };
    const meta = { ip: null, userAgent: null };
    const attempt = (url: string) => createWebhookEndpoint({ actor, input: { url, events: ["file.deleted"] }, meta });
    await expect(attempt("http://127.0.0.1:9/hook")).rejects.toMatchObject({
      code: "url_not_allowed",
      message: expect.stringMatching(/must use https.*WEBHOOK_ALLOW_PRIVATE/),
    });
    await expect(attempt("https://127.0.0.1:9/hook")).rejects.toMatchObject({ code: "url_not_allowed", message: expect.stringMatching(/loopback/) });
    // A name is refused without saying where it points (that would map internal DNS).
    await expect(attempt("https://localhost:9/hook")).rejects.toMatchObject({ code: "url_not_allowed", message: expect.stringMatching(/not public/) });
    await expect(attempt("https://169.254.169.254/latest/meta-data/")).rejects.toMatchObject({ message: expect.stringMatching(/metadata/) });
    await expect(attempt("https://[::ffff:10.0.0.1]/")).rejects.toMatchObject({ message: expect.stringMatching(/private/) });
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "WebhookEndpoint" WHERE "createdById" = $1`, [actor.id]);
    expect(rows[0].n).toBe(0);
  });

  it("refuses at delivery time too: nothing reaches a receiver on a private address", async () => {
    const { deliverWebhook } = await strictModules();
    const { client: admin } = await adminClient();
    // Registered through the app (which allows it), then delivered by this process (which does not).
    const { receiver, endpoint } = await register(admin, ["upload.quarantined"]);
    const id = crypto.randomUUID();
    await sql.query(`INSERT INTO "WebhookDelivery" (id, "endpointId", event, payload) VALUES ($1, $2, 'upload.quarantined', $3::jsonb)`, [
      id,
      endpoint.id,
      JSON.stringify({ type: "upload.quarantined", timestamp: new Date().toISOString(), data: { file: { id } } }),
    ]);
    const job = (attempts: number) => ({ job: { attempts, max_attempts: 3 } }) as Parameters<typeof deliverWebhook>[1];
    // As registered (http://127.0.0.1:…): plain http is refused first.
    await expect(deliverWebhook({ deliveryId: id }, job(1))).rejects.toThrow(/must use https:\/\//);
    let row = (await sql.query(`SELECT status, attempts, "lastStatus", "lastError" FROM "WebhookDelivery" WHERE id = $1`, [id])).rows[0];
    expect(row).toMatchObject({ status: "PENDING", attempts: 1, lastStatus: null, lastError: expect.stringMatching(/WEBHOOK_ALLOW_PRIVATE=true/) });
    // An https URL whose name resolves to loopback (as a rebinding name would, after registration).
    const port = new URL(receiver.url).port;
    expect((await admin.json("PATCH", `/api/admin/webhooks/${endpoint.id}`, { url: `https://localhost:${port}/hook` })).status).toBe(200);
    await expect(deliverWebhook({ deliveryId: id }, job(2))).rejects.toThrow(/localhost resolves to an address that is not public/);
    row = (await sql.query(`SELECT status, attempts, "lastError" FROM "WebhookDelivery" WHERE id = $1`, [id])).rows[0];
    expect(row).toMatchObject({ status: "PENDING", attempts: 2, lastError: expect.stringMatching(/localhost resolves to an address that is not public/) });
    await expect(deliverWebhook({ deliveryId: id }, job(3))).rejects.toThrow();
    row = (await sql.query(`SELECT status, attempts FROM "WebhookDelivery" WHERE id = $1`, [id])).rows[0];
    expect(row).toMatchObject({ status: "FAILED", attempts: 3 });
    expect(receiver.received.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(0);
  });
});
