import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import { contentDisposition } from "@/lib/content-disposition";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { PNG_1X1, zipLike } from "../helpers/fixtures";
import { uploadFile } from "../helpers/valet-upload";
import { APP_URL, backends, sql } from "./context";

const SHARE_URL_TTL_SECONDS = Number(process.env.SHARE_DOWNLOAD_URL_TTL_SECONDS ?? 60);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function sharedFile(share: Record<string, unknown> = {}, name = 'Résumé 📄; "v2".txt', appUrl = APP_URL) {
  const { client } = await signedInClient(appUrl);
  const data = Buffer.from(`shared bytes ${Math.random()}\n`.repeat(20));
  const { file } = await uploadFile(client, data, { name, type: "text/plain" });
  const created = await client.json("POST", `/api/files/${file.id}/shares`, share);
  expect(created.status).toBe(201);
  const url = new URL(created.body.share.url);
  const token = url.pathname.split("/").at(-1)!;
  return { owner: client, file, data, share: created.body.share, token };
}

/** A recipient: no account, no cookies. */
const anonymous = (appUrl = APP_URL) => new ApiClient(appUrl);

async function downloadVia(token: string, password?: string, appUrl = APP_URL) {
  const client = anonymous(appUrl);
  return password === undefined
    ? client.request(`/s/${token}/download`)
    : client.request(`/s/${token}/download`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password }) });
}

async function errorOf(res: Response) {
  return { status: res.status, body: await res.json() };
}

describe.each(backends.map((b) => [b.name, b] as const))("share links on %s", (_, b) => {
  it("a recipient without an account downloads the verified bytes straight from storage, under the file's name", async () => {
    const { file, data, token } = await sharedFile({ expiresInSeconds: 3600, maxDownloads: 1 }, undefined, b.appUrl);
    const res = await downloadVia(token, undefined, b.appUrl);
    expect(res.status).toBe(302);
    const got = await fetch(res.headers.get("location")!);
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(data));
    expect(got.headers.get("content-disposition")).toBe(contentDisposition(file.name));
    // The one download is used up.
    expect((await downloadVia(token, undefined, b.appUrl)).status).toBe(410);
  });

  it("hands out download URLs that storage stops honouring after the TTL", async () => {
    const { token } = await sharedFile({}, undefined, b.appUrl);
    const signedAt = Date.now();
    const location = (await downloadVia(token, undefined, b.appUrl)).headers.get("location")!;
    expect((await fetch(location)).status).toBe(200);
    // Wait out the URL's lifetime (the suite runs the app with a 3-second share TTL).
    await new Promise((r) => setTimeout(r, Math.max(0, signedAt + (SHARE_URL_TTL_SECONDS + 1.5) * 1000 - Date.now())));
    const late = await fetch(location);
    expect(late.status).toBe(403);
    // S3: AccessDenied; Azure: AuthenticationFailed / AuthorizationFailure.
    expect(await late.text()).toMatch(b.name === "s3" ? /AccessDenied/ : /AuthenticationFailed|AuthorizationFailure/);
  });
});

describe("share links", () => {
  it("lets a recipient without an account download the file straight from storage", async () => {
    const { file, data, share, token } = await sharedFile({ expiresInSeconds: 3600, maxDownloads: 3 });
    expect(share).toMatchObject({ maxDownloads: 3, downloadCount: 0, hasPassword: false, status: "active" });
    expect(share.url).toBe(`${APP_URL}/s/${token}`);
    // Only the hash is stored.
    const { rows } = await sql.query(`SELECT "tokenHash" FROM "ShareLink" WHERE id = $1`, [share.id]);
    expect(rows[0].tokenHash).toBe(createHash("sha256").update(token).digest("hex"));

    const res = await downloadVia(token);
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(new URL(location).searchParams.get("X-Amz-Expires")).toBe(String(SHARE_URL_TTL_SECONDS));
    const got = await fetch(location);
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(data));
    expect(got.headers.get("content-disposition")).toBe(contentDisposition(file.name));

    const { rows: events } = await sql.query(`SELECT action, ip, "userAgent" FROM "AuditEvent" WHERE "shareLinkId" = $1 ORDER BY id`, [share.id]);
    expect(events.map((e: { action: string }) => e.action)).toEqual(["share.created", "share.downloaded"]);
  });

  it("answers 404 for an unknown or malformed token", async () => {
    expect(await errorOf(await downloadVia("A".repeat(43)))).toEqual({ status: 404, body: { error: { code: "not_found", message: expect.any(String) } } });
    expect((await downloadVia("nope")).status).toBe(404);
  });

  it("counts downloads atomically: 20 racing requests on a one-download link, exactly one 302", async () => {
    const { share, token } = await sharedFile({ maxDownloads: 1 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => downloadVia(token)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 302)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(19);
    const { rows } = await sql.query(`SELECT "downloadCount" FROM "ShareLink" WHERE id = $1`, [share.id]);
    expect(rows[0].downloadCount).toBe(1);
    expect(await errorOf(await downloadVia(token))).toEqual({ status: 410, body: { error: { code: "link_used_up", message: expect.any(String) } } });
  });

  it("answers 410 once the link has expired", async () => {
    const { share, token } = await sharedFile({ expiresInSeconds: 60 });
    await sql.query(`UPDATE "ShareLink" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [share.id]);
    expect(await errorOf(await downloadVia(token))).toEqual({ status: 410, body: { error: { code: "link_expired", message: expect.any(String) } } });
  });

  it("revokes: the owner's DELETE makes the link 410 at once; others cannot revoke", async () => {
    const { owner, share, token, file } = await sharedFile();
    const stranger = await signedInClient(APP_URL);
    expect((await stranger.client.request(`/api/shares/${share.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await stranger.client.json("GET", `/api/files/${file.id}/shares`)).status).toBe(404);
    expect((await downloadVia(token)).status).toBe(302);

    expect((await owner.request(`/api/shares/${share.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await errorOf(await downloadVia(token))).toEqual({ status: 410, body: { error: { code: "link_revoked", message: expect.any(String) } } });
    const list = await owner.json("GET", `/api/files/${file.id}/shares`);
    expect(list.body.shares).toEqual([expect.objectContaining({ id: share.id, status: "revoked", downloadCount: 1 })]);
    const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE "shareLinkId" = $1 ORDER BY id`, [share.id]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(["share.created", "share.downloaded", "share.revoked"]);
  });

  it("deleting the file revokes its links", async () => {
    const { owner, file, token } = await sharedFile();
    expect((await owner.request(`/api/files/${file.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await errorOf(await downloadVia(token))).body.error.code).toBe("link_revoked");
  });

  it("asks for the password, refuses a wrong one, and throttles guessing", async () => {
    const { share, token, data } = await sharedFile({ password: "open sesame" });
    expect(share.hasPassword).toBe(true);
    expect(await errorOf(await downloadVia(token))).toEqual({ status: 401, body: { error: { code: "password_required", message: expect.any(String) } } });
    expect(await errorOf(await downloadVia(token, "wrong"))).toEqual({ status: 401, body: { error: { code: "wrong_password", message: expect.any(String) } } });

    const ok = await downloadVia(token, "open sesame");
    expect(ok.status).toBe(302);
    expect(sha256(Buffer.from(await (await fetch(ok.headers.get("location")!)).arrayBuffer()))).toBe(sha256(data));

    for (let i = 0; i < 4; i++) expect((await downloadVia(token, `guess ${i}`)).status).toBe(401);
    const throttled = await downloadVia(token, "open sesame");
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await throttled.json()).error.code).toBe("rate_limited");
  });

  it("answers browsers with an HTML page carrying the real status", async () => {
    const { token } = await sharedFile({ password: "long enough pw" });
    const res = await anonymous().request(`/s/${token}/download`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Password required");
    expect(html).toContain(`action="/s/${token}/download"`);
  });

  it("creates links only for finished files, with valid limits", async () => {
    const { client } = await signedInClient(APP_URL);
    const pending = await client.json("POST", "/api/uploads", { name: "a.txt", size: 5, type: "text/plain" });
    const res = await client.json("POST", `/api/files/${pending.body.upload.id}/shares`, {});
    expect(res).toMatchObject({ status: 409, body: { error: { code: "invalid_state" } } });

    const { owner, file } = await sharedFile();
    for (const body of [{ expiresInSeconds: 10 }, { expiresInSeconds: 31 * 86_400 }, { maxDownloads: 0 }, { maxDownloads: 1.5 }]) {
      expect((await owner.json("POST", `/api/files/${file.id}/shares`, body)).body.error.code).toBe("invalid_input");
    }
    const other = await signedInClient(APP_URL);
    expect((await other.client.json("POST", `/api/files/${file.id}/shares`, {})).status).toBe(404);
  });

  it("serves owner previews inline only for safe types", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, PNG_1X1, { name: "pic.png", type: "image/png" });
    const inline = new URL((await client.request(`/api/files/${file.id}/download?inline=1`)).headers.get("location")!);
    expect(inline.searchParams.get("response-content-disposition")).toMatch(/^inline; /);
    const { file: zip } = await uploadFile(client, zipLike(100), { name: "a.zip", type: "application/zip" });
    const attachment = new URL((await client.request(`/api/files/${zip.id}/download?inline=1`)).headers.get("location")!);
    expect(attachment.searchParams.get("response-content-disposition")).toMatch(/^attachment; /);
  });
});
