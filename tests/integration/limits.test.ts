import { describe, expect, it } from "vitest";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { complete, md5, reserve, sendBytes, sign, uploadFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, APP_URL_2, userIdOf } from "./context";

const RESERVE_LIMIT = Number(process.env.RATE_LIMIT_RESERVE_PER_MINUTE);
const SIGN_LIMIT = Number(process.env.RATE_LIMIT_SIGN_PER_MINUTE);
const SHARE_LIMIT = Number(process.env.RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE);
const PASSWORD_LIMIT = Number(process.env.RATE_LIMIT_PASSWORD_PER_MINUTE);

async function withQuota(quota: { quotaBytes?: number; quotaFiles?: number }) {
  const user = await signedInClient(APP_URL);
  const { client: admin } = await adminClient();
  expect((await admin.json("PATCH", `/api/admin/users/${await userIdOf(user.email)}`, quota)).status).toBe(200);
  return user.client;
}

const reserveBody = (size: number) => ({ name: "q.txt", size, type: "text/plain" });

describe("quotas", () => {
  it("counts READY files and pending reservations, up to exactly the quota", async () => {
    const client = await withQuota({ quotaBytes: 1000 });
    await uploadFile(client, Buffer.alloc(600, 1), { name: "a.txt", type: "text/plain" });
    const pending = await reserve(client, reserveBody(400));
    const over = await client.json("POST", "/api/uploads", reserveBody(1));
    expect(over).toMatchObject({ status: 413, body: { error: { code: "quota_exceeded" } } });
    expect(over.body.error.message).toContain("1000 B quota");
    // Cancelling a reservation gives its bytes back.
    expect((await client.request(`/api/uploads/${pending.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await client.json("POST", "/api/uploads", reserveBody(400))).status).toBe(201);
  });

  it("counts quarantined uploads too (their objects are kept), and their owner can delete them", async () => {
    const client = await withQuota({ quotaBytes: 1000 });
    const fake = Buffer.alloc(900, 0x41); // declared a PNG, plainly not one
    const upload = await reserve(client, { name: "not-a.png", size: fake.length, type: "image/png" });
    await sendBytes(client, upload, fake, "image/png");
    expect((await complete(client, upload.id)).body.error.code).toBe("upload_quarantined");
    const over = await client.json("POST", "/api/uploads", reserveBody(101));
    expect(over).toMatchObject({ status: 413, body: { error: { code: "quota_exceeded" } } });
    expect((await client.request(`/api/files/${upload.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await client.json("POST", "/api/uploads", reserveBody(101))).status).toBe(201);
  });

  it("limits the number of files", async () => {
    const client = await withQuota({ quotaFiles: 2 });
    await reserve(client, reserveBody(1));
    await reserve(client, reserveBody(1));
    const third = await client.json("POST", "/api/uploads", reserveBody(1));
    expect(third).toMatchObject({ status: 413, body: { error: { code: "quota_exceeded" } } });
    expect(third.body.error.message).toContain("2 of your 2 files");
  });

  it("cannot be overshot by concurrent reservations, even across two app instances", async () => {
    const client = await withQuota({ quotaBytes: 1000 });
    const other = client.on(APP_URL_2);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? other : client).json("POST", "/api/uploads", reserveBody(100))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 413)).toHaveLength(15);
  });
});

describe("rate limits (counted in PostgreSQL, shared by both app instances)", () => {
  const twin = (client: ApiClient) => client.on(APP_URL_2);

  it("limits reservations per user, with Retry-After", async () => {
    const { client } = await signedInClient(APP_URL);
    const other = twin(client);
    for (let i = 0; i < RESERVE_LIMIT; i++) expect((await (i % 2 ? other : client).json("POST", "/api/uploads", reserveBody(1))).status).toBe(201);
    const limited = await other.json("POST", "/api/uploads", reserveBody(1));
    expect(limited).toMatchObject({ status: 429, body: { error: { code: "rate_limited" } } });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another user is not affected.
    const { client: someoneElse } = await signedInClient(APP_URL);
    expect((await someoneElse.json("POST", "/api/uploads", reserveBody(1))).status).toBe(201);
  });

  it("limits sign calls per user", async () => {
    const { client } = await signedInClient(APP_URL);
    const other = twin(client);
    const upload = await reserve(client, reserveBody(5));
    const body = { method: "PUT", key: upload.key, contentMd5: md5("12345") };
    for (let i = 0; i < SIGN_LIMIT; i++) expect((await sign(i % 2 ? other : client, upload.id, body)).status).toBe(200);
    expect((await sign(client, upload.id, body)).status).toBe(429);
  });

  it("limits share downloads per IP", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("popular"), { name: "p.txt", type: "text/plain" });
    const token = (await client.json("POST", `/api/files/${file.id}/shares`, {})).body.share.url.split("/").at(-1);
    const visitor = new ApiClient(APP_URL);
    const sameAddress = new ApiClient(APP_URL_2);
    sameAddress.ip = visitor.ip;
    for (let i = 0; i < SHARE_LIMIT; i++) expect((await (i % 2 ? sameAddress : visitor).request(`/s/${token}/download`)).status).toBe(302);
    const limited = await visitor.request(`/s/${token}/download`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeTruthy();
    expect((await new ApiClient(APP_URL).request(`/s/${token}/download`)).status).toBe(302);
  });

  it("limits password attempts per IP across links", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("secret"), { name: "s.txt", type: "text/plain" });
    const links = await Promise.all(
      Array.from(
        { length: 3 },
        async () => (await client.json("POST", `/api/files/${file.id}/shares`, { password: "long enough pw" })).body.share.url.split("/").at(-1) as string,
      ),
    );
    const guesser = new ApiClient(APP_URL);
    const guess = (token: string) =>
      guesser.request(`/s/${token}/download`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: "nope" }) });
    // Spread over three links, so the per-link throttle (5) never triggers first.
    for (let i = 0; i < PASSWORD_LIMIT; i++) expect((await guess(links[i % 3]!)).status).toBe(401);
    expect((await guess(links[0]!)).status).toBe(429);
  });
});
