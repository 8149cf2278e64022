import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { ApiClient, signedInClient, type JsonResponse } from "../helpers/api-client";
import { createMultipart, reserve, sign, uploadFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, bucket, SEEDED_JOB_RESULTS, sql, uploadRow, userIdOf } from "./context";

const ADMIN_ROUTES: Array<[string, string, unknown?]> = [
  ["GET", "/api/admin/uploads"],
  ["GET", "/api/admin/users"],
  ["GET", "/api/admin/audit"],
  ["PATCH", `/api/admin/users/${randomUUID()}`, { role: "ADMIN" }],
  ["DELETE", `/api/admin/files/${randomUUID()}`],
  ["POST", `/api/admin/files/${randomUUID()}/revoke-shares`],
  ["DELETE", `/api/admin/uploads/${randomUUID()}`],
];

/** Seeds `count` READY uploads for one owner with distinct names, sizes and dates. */
async function seedUploads(ownerId: string, count: number) {
  const base = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    // Sizes and names collide in pairs, so the id tiebreak is exercised too.
    await sql.query(
      `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "createdAt", sha256, "thumbnailNote")
       VALUES ($1, $2, $3, $4, $5, $6, 'SINGLE', $5, 1, $7, now(), $8, ${SEEDED_JOB_RESULTS})`,
      [
        id,
        ownerId,
        `users/${ownerId}/${id}/f${i}`,
        `seed-${String(Math.floor(i / 2)).padStart(3, "0")}.txt`,
        1000 + Math.floor(i / 2),
        i % 3 === 0 ? "image/png" : "text/plain",
        i % 5 === 0 ? "REJECTED" : "READY",
        new Date(base + Math.floor(i / 2) * 3_600_000),
      ],
    );
  }
}

async function walk(admin: ApiClient, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res: JsonResponse = await admin.json("GET", `/api/admin/uploads?${query}&limit=4${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    ids.push(...res.body.uploads.map((u: { id: string }) => u.id));
    cursor = res.body.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error("pagination did not end");
}

describe("admin API", () => {
  it("answers 401 without a session and 403 to non-admins on every admin route", async () => {
    const { client } = await signedInClient(APP_URL);
    const anonymous = new ApiClient(APP_URL);
    for (const [method, path, body] of ADMIN_ROUTES) {
      const res = await client.json(method, path, body);
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 403, code: "forbidden" });
      expect((await anonymous.json(method, path, body)).status).toBe(401);
    }
    const page = await client.request("/admin");
    expect(page.status).toBe(403);
  });

  it("pages through every sort order with no duplicates or gaps", async () => {
    const { client: owner, email } = await signedInClient(APP_URL);
    await seedUploads(await userIdOf(email), 23);
    const { client: admin } = await adminClient();
    const owned = `owner=${encodeURIComponent(email)}`;
    const { rows } = await sql.query(`SELECT id, name, size, "createdAt" FROM "Upload" WHERE key LIKE 'users/' || $1 || '/%'`, [await userIdOf(email)]);
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    const expected = {
      "sort=size&order=asc": [...rows].sort((a, b) => Number(a.size) - Number(b.size) || byId(a, b)).map((r) => r.id),
      "sort=name&order=desc": [...rows].sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : -byId(a, b))).map((r) => r.id),
      "sort=date&order=desc": [...rows].sort((a, b) => b.createdAt - a.createdAt || -byId(a, b)).map((r) => r.id),
    };
    for (const [order, ids] of Object.entries(expected)) {
      const walked = await walk(admin, `${owned}&${order}`);
      expect(new Set(walked).size).toBe(23);
      expect(walked).toEqual(ids);
    }
    expect(owner).toBeDefined();
  });

  it("searches and filters by status, type, size and date", async () => {
    const { email } = await signedInClient(APP_URL);
    await seedUploads(await userIdOf(email), 10);
    const { client: admin } = await adminClient();
    const count = async (q: string) => (await walk(admin, `owner=${encodeURIComponent(email)}&${q}`)).length;
    expect(await count("status=REJECTED")).toBe(2);
    expect(await count("type=image/png")).toBe(4);
    expect(await count("minSize=1002&maxSize=1003")).toBe(4);
    expect(await count("from=2026-01-01&to=2026-01-01")).toBe(10);
    expect(await count("from=2026-01-02")).toBe(0);
    expect(await count("q=SEED-004")).toBe(2);
    expect((await walk(admin, `q=${encodeURIComponent(email)}`)).length).toBe(10);
    const bad = await admin.json("GET", "/api/admin/uploads?sort=owner");
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "invalid_input" } } });
    const totals = (await admin.json("GET", "/api/admin/uploads?limit=1")).body.totals;
    expect(totals.byStatus.READY.files).toBeGreaterThanOrEqual(8);
  });

  it("deletes anyone's file, revokes its links, aborts pending uploads — all audited", async () => {
    const { client: owner } = await signedInClient(APP_URL);
    const { client: admin, email: adminEmail } = await adminClient();
    const { upload, file } = await uploadFile(owner, Buffer.from("owned by someone else"), { name: "x.txt", type: "text/plain" });
    const share = (await owner.json("POST", `/api/files/${file.id}/shares`, {})).body.share;
    const token = share.url.split("/").at(-1);

    expect((await admin.json("POST", `/api/admin/files/${file.id}/revoke-shares`)).body).toEqual({ revoked: 1 });
    expect((await new ApiClient(APP_URL).request(`/s/${token}/download`)).status).toBe(410);

    expect((await admin.request(`/api/admin/files/${file.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await bucket.headObject(upload.key)).toBeNull();
    expect((await owner.json("GET", `/api/files/${file.id}`)).status).toBe(404);

    const pending = await reserve(owner, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(owner, pending, "application/zip");
    expect((await sign(owner, pending.id, { method: "GET", key: pending.key, uploadId })).status).toBe(200);
    expect((await admin.request(`/api/admin/uploads/${pending.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await uploadRow(pending.id))?.status).toBe("ABORTED");
    expect(await bucket.multipartUploadExists(pending.key, uploadId)).toBe(false);

    const adminId = await userIdOf(adminEmail);
    const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE "actorUserId" = $1 ORDER BY id`, [adminId]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(["user.created", "user.signed_in", "share.revoked", "file.deleted", "upload.aborted"]);
    const audit = await admin.json("GET", `/api/admin/audit?actor=${encodeURIComponent(adminEmail)}&action=file.`);
    expect(audit.body.events).toEqual([expect.objectContaining({ action: "file.deleted", uploadId: file.id, actorEmail: adminEmail })]);
  });

  it("searches the audit by actor id or token id, object id or key, and finds nothing (not an error) for other words", async () => {
    const { client: owner, email } = await signedInClient(APP_URL);
    const { client: admin } = await adminClient();
    const { file } = await uploadFile(owner, Buffer.from("audited"), { name: "a.txt", type: "text/plain" });
    const ownerId = await userIdOf(email);
    const byActor = await admin.json("GET", `/api/admin/audit?actor=${ownerId}&action=upload.completed`);
    expect(byActor.body.events).toEqual([expect.objectContaining({ uploadId: file.id, actorUserId: ownerId })]);
    const byObject = await admin.json("GET", `/api/admin/audit?object=${file.id}&action=upload.completed`);
    expect(byObject.body.events).toEqual([expect.objectContaining({ uploadId: file.id })]);
    for (const query of ["actor=someone", `actor=${"-".repeat(36)}`, `object=${"-".repeat(36)}`]) {
      const res = await admin.json("GET", `/api/admin/audit?${query}`);
      expect([query, res.status, res.body.events]).toEqual([query, 200, []]);
    }
  });

  it("a cursor it did not hand out is 422 on every listing, and the console pages say so instead of failing", async () => {
    const { client: admin } = await adminClient();
    const forged = (value: string, id: string) => Buffer.from(JSON.stringify([value, id])).toString("base64url");
    const someId = "0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01";
    for (const path of [
      `/api/admin/users?cursor=${forged("2026-01-01T00:00:00Z", "x")}`,
      `/api/admin/users?cursor=${forged("not a date", someId)}`,
      `/api/admin/uploads?cursor=${forged("2026-01-01T00:00:00Z", "x")}`,
      `/api/admin/uploads?cursor=${forged("not a date", someId)}`,
      `/api/admin/uploads?sort=size&cursor=${forged("99999999999999999999999", someId)}`,
      "/api/admin/users?cursor=zzz",
      "/api/admin/audit?cursor=99999999999999999999999",
    ]) {
      const res = await admin.json("GET", path);
      expect([path, res.status, res.body.error?.code]).toEqual([path, 422, "invalid_input"]);
    }
    for (const page of ["/admin/users?cursor=zzz", "/admin?cursor=zzz", "/admin/audit?cursor=zzz&actor=a&actor=b"]) {
      const res = await admin.request(page);
      expect([page, res.status]).toEqual([page, 200]);
      expect(await res.text()).toMatch(/This page link is out of date|Check the filters/);
    }
    // A field given twice (an edited link): the first counts.
    const twice = await admin.request("/admin/users?q=a&q=b");
    expect(twice.status).toBe(200);
  });

  it("disabling a user stops their session, tokens and links at once and aborts their uploads", async () => {
    const { client: user, email } = await signedInClient(APP_URL);
    const { client: admin } = await adminClient();
    const tokenRes = await user.json("POST", "/api/tokens", { name: "script" });
    const viaToken = new ApiClient(APP_URL);
    viaToken.bearer = tokenRes.body.token.secret;
    expect((await viaToken.json("GET", "/api/files")).status).toBe(200);
    const { file } = await uploadFile(user, Buffer.from("mine"), { name: "m.txt", type: "text/plain" });
    const token = (await user.json("POST", `/api/files/${file.id}/shares`, {})).body.share.url.split("/").at(-1);
    const pending = await reserve(user, { name: "p.txt", size: 5, type: "text/plain" });

    const userId = await userIdOf(email);
    const res = await admin.json("PATCH", `/api/admin/users/${userId}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(res.body.user.disabled).toBe(true);

    expect((await user.json("GET", "/api/files")).status).toBe(401);
    expect((await viaToken.json("GET", "/api/files")).status).toBe(401);
    expect((await new ApiClient(APP_URL).json("GET", `/s/${token}/download`)).status).toBe(410);
    expect((await uploadRow(pending.id))?.status).toBe("ABORTED");
    expect(await new ApiClient(APP_URL).signIn(email, "correct horse battery")).toBe(false);

    expect((await admin.json("PATCH", `/api/admin/users/${userId}`, { disabled: false })).status).toBe(200);
    expect((await user.json("GET", "/api/files")).status).toBe(200);
    const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE detail->>'userId' = $1 ORDER BY id`, [userId]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(["user.disabled", "user.enabled"]);
  });

  it("changes roles and quotas with an audit row each, and will not let an admin lock themselves out", async () => {
    const { email } = await signedInClient(APP_URL);
    const { client: admin, email: adminEmail } = await adminClient();
    const userId = await userIdOf(email);
    expect((await admin.json("PATCH", `/api/admin/users/${userId}`, { role: "ADMIN", quotaBytes: 5000, quotaFiles: 2 })).body.user).toMatchObject({
      role: "ADMIN",
      quota: { bytes: 5000, files: 2 },
    });
    const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE detail->>'userId' = $1 ORDER BY id`, [userId]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(["user.role_changed", "user.quota_changed"]);
    const self = await admin.json("PATCH", `/api/admin/users/${await userIdOf(adminEmail)}`, { disabled: true });
    expect(self).toMatchObject({ status: 409, body: { error: { code: "invalid_state" } } });
    expect((await admin.json("PATCH", `/api/admin/users/${userId}`, {})).status).toBe(422);
    const listed = await admin.json("GET", `/api/admin/users?q=${encodeURIComponent(email)}`);
    expect(listed.body.users).toEqual([expect.objectContaining({ email, role: "ADMIN", quotaBytes: 5000, quotaFiles: 2, files: 0 })]);
  });
});
