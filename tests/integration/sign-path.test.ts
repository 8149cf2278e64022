// The sign call reads, counts and writes in as few statements as it can (the caller, the upload,
// the limits and the pinned digests in one; the pins and the audit row in one, or the audit row in
// an INSERT shared with other calls). These prove that nothing it must check or record was lost on
// the way: the user on every request and every instance, both limits before the work, one audit
// row per call, and pins that never change.
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { ApiClient, randomIp, signedInClient } from "../helpers/api-client";
import { expectError, unchanged } from "../helpers/state";
import { createMultipart, md5, reserve, sign } from "../helpers/valet-upload";
import { APP_URL, APP_URL_2, sql, userIdOf } from "./context";

const SIGN_LIMIT = Number(process.env.RATE_LIMIT_SIGN_PER_MINUTE);
/** rate-limit.ts IP_ALLOWANCE_FACTOR: an address gets five users' worth. */
const SIGN_LIMIT_PER_IP = SIGN_LIMIT * 5;

async function signedCount(uploadId: string): Promise<number> {
  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'upload.signed' AND "uploadId" = $1`, [uploadId]);
  return rows[0].n as number;
}

async function signCounts(userId: string, ip: string): Promise<{ user: number | null; ip: number | null }> {
  const { rows } = await sql.query(`SELECT key, count FROM "RateLimit" WHERE key = ANY($1::text[])`, [[`sign:user:${userId}`, `sign:ip:${ip}`]]);
  const count = (key: string) => (rows.find((r: { key: string }) => r.key === key)?.count as number | undefined) ?? null;
  return { user: count(`sign:user:${userId}`), ip: count(`sign:ip:${ip}`) };
}

async function pinnedParts(uploadId: string): Promise<Array<{ partNumber: number; md5: string }>> {
  const { rows } = await sql.query(`SELECT "partNumber", md5 FROM "UploadPart" WHERE "uploadId" = $1 ORDER BY "partNumber"`, [uploadId]);
  return rows;
}

/** A single-PUT reservation of `text`, and the body that signs its one PUT. */
async function singleUpload(client: ApiClient, text = "hello") {
  const upload = await reserve(client, { name: "s.txt", size: text.length, type: "text/plain" });
  return { upload, put: { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(text) } };
}

async function multipartUpload(client: ApiClient) {
  // 8 MiB parts: room for the eleven the tests sign.
  const upload = await reserve(client, { name: "m.zip", size: 120 * MiB, type: "application/zip" });
  const uploadId = await createMultipart(client, upload, "application/zip");
  const part = (n: number, bytes = `part ${n}`) => ({ method: "PUT", key: upload.key, uploadId, partNumber: n, contentMd5: md5(bytes) });
  return { upload, uploadId, part };
}

describe("the sign call checks the caller on every request, on every instance", () => {
  it("refuses a disabled user on their very next sign call, on both instances, and records nothing", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const twin = client.on(APP_URL_2);
    const { upload, put } = await singleUpload(client);
    expect((await sign(client, upload.id, put)).status).toBe(200);
    expect((await sign(twin, upload.id, put)).status).toBe(200);
    const counted = await signCounts(await userIdOf(email), client.ip);
    expect(counted).toEqual({ user: 2, ip: 2 });

    await sql.query(`UPDATE "User" SET "disabledAt" = now() WHERE email = $1`, [email]);
    await unchanged([email], async () => {
      expectError(await sign(client, upload.id, put), 401, "unauthenticated", /Sign in/);
      expectError(await sign(twin, upload.id, put), 401, "unauthenticated", /Sign in/);
    });
    expect(await signedCount(upload.id)).toBe(2);
    expect(await signCounts(await userIdOf(email), client.ip)).toEqual(counted);
  });

  it("refuses a revoked token at once and a token without files:write (403), counting neither", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { upload, put } = await singleUpload(client);
    const tokenClient = async (scopes: string[]) => {
      const created = await client.json("POST", "/api/tokens", { name: scopes.join(" "), scopes });
      expect(created.status).toBe(201);
      const bearer = new ApiClient(APP_URL_2);
      bearer.ip = client.ip;
      bearer.bearer = created.body.token.secret;
      return { bearer, tokenId: created.body.token.id as string };
    };
    const writer = await tokenClient(["files:write"]);
    const reader = await tokenClient(["files:read"]);

    expect((await sign(writer.bearer, upload.id, put)).status).toBe(200);
    const { rows: events } = await sql.query(`SELECT "actorTokenId" FROM "AuditEvent" WHERE action = 'upload.signed' AND "uploadId" = $1`, [upload.id]);
    expect(events).toEqual([{ actorTokenId: writer.tokenId }]);
    const counted = await signCounts(await userIdOf(email), client.ip);
    expect(counted).toEqual({ user: 1, ip: 1 });

    expectError(await sign(reader.bearer, upload.id, put), 403, "insufficient_scope");
    expect((await client.request(`/api/tokens/${writer.tokenId}`, { method: "DELETE" })).status).toBe(204);
    expectError(await sign(writer.bearer, upload.id, put), 401, "unauthenticated", /API token is not valid/);
    expect(await signedCount(upload.id)).toBe(1);
    expect(await signCounts(await userIdOf(email), client.ip)).toEqual(counted);
  });
});

describe("sign limits are counted in PostgreSQL, per user and per address, before the work", () => {
  it("counts each call once for the user and once for the address, whichever instance answers; a call for an upload that is not yours counts nothing", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const twin = client.on(APP_URL_2);
    const { upload, put } = await singleUpload(client);
    for (let i = 0; i < 6; i++) expect((await sign(i % 2 ? twin : client, upload.id, put)).status).toBe(200);
    const userId = await userIdOf(email);
    expect(await signCounts(userId, client.ip)).toEqual({ user: 6, ip: 6 });

    const { client: other } = await signedInClient(APP_URL);
    const theirs = await singleUpload(other);
    expectError(await sign(client, theirs.upload.id, { ...theirs.put }), 404, "not_found");
    expectError(await sign(client, "not-a-uuid", put), 404, "not_found");
    expect(await signCounts(userId, client.ip)).toEqual({ user: 6, ip: 6 });
    expect(await signedCount(upload.id)).toBe(6);
  });

  it("stops an address at five users' worth across both instances; the refused call pins nothing and is not recorded", async () => {
    const ip = randomIp();
    const users = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const { client } = await signedInClient(i % 2 ? APP_URL_2 : APP_URL);
        client.ip = ip;
        return { client, ...(await singleUpload(client)) };
      }),
    );
    // Each user signs its own limit's worth (never over it), so only the address's count can refuse.
    await Promise.all(
      users.map(async ({ client, upload, put }) => {
        for (let i = 0; i < SIGN_LIMIT; i++) expect((await sign(client, upload.id, put)).status).toBe(200);
      }),
    );
    const { rows } = await sql.query(`SELECT count FROM "RateLimit" WHERE key = $1`, [`sign:ip:${ip}`]);
    expect(rows[0].count).toBe(SIGN_LIMIT_PER_IP);

    const { client: sixth, email } = await signedInClient(APP_URL_2);
    sixth.ip = ip;
    const { upload, put } = await singleUpload(sixth);
    await unchanged([email], async () => {
      const refused = await sign(sixth, upload.id, put);
      expectError(refused, 429, "rate_limited", /Too many signing requests/);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    });
    expect(await pinnedParts(upload.id)).toEqual([]);
    expect(await signedCount(upload.id)).toBe(0);
    // The same user from another address is not limited.
    sixth.ip = randomIp();
    expect((await sign(sixth, upload.id, put)).status).toBe(200);
    expect(await signedCount(upload.id)).toBe(1);
  });
});

describe("one audit row per sign call, and pins that never change", () => {
  it("writes exactly one upload.signed row per successful call under concurrency, whatever it pins, and none for a refused one", async () => {
    const { client } = await signedInClient(APP_URL);
    const twin = client.on(APP_URL_2);
    const { upload, uploadId, part } = await multipartUpload(client);
    expect((await sign(client, upload.id, part(1))).status).toBe(200);
    const before = await signedCount(upload.id); // createMultipartUpload, and part 1
    const calls = [
      ...Array.from({ length: 10 }, () => part(1)), // the same part again and again (pinned once)
      ...Array.from({ length: 5 }, (_, i) => part(i + 2)), // new parts
      ...Array.from({ length: 5 }, (_, i) => ({ requests: [part(1), part(i + 2), part(i + 7)] })), // pinned, racing and new together
      ...Array.from({ length: 5 }, () => ({ method: "GET", key: upload.key, uploadId })), // listParts: nothing to pin
      ...Array.from({ length: 5 }, () => part(1, "other bytes")), // refused: part 1 is pinned to other bytes
    ];
    const results = await Promise.all(calls.map((body, i) => sign(i % 2 ? twin : client, upload.id, body)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(calls.length - 5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
    expect(await signedCount(upload.id)).toBe(before + calls.length - 5);
    expect(await pinnedParts(upload.id)).toEqual(Array.from({ length: 11 }, (_, i) => ({ partNumber: i + 1, md5: md5(`part ${i + 1}`) })));
  });

  it("lets exactly one of many calls racing to pin one new part with different bytes win; the others pin nothing and are not recorded", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const twin = client.on(APP_URL_2);
    const { upload, part } = await multipartUpload(client);
    const before = await signedCount(upload.id);
    // Each call pins part 3 to its own bytes, and part 4 (same bytes for all) with it.
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => sign(i % 2 ? twin : client, upload.id, { requests: [part(4), part(3, `contender ${i}`)] })),
    );
    const winners = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status !== 200) expectError(r, 409, "checksum_conflict", /Part 3/);
    expect(await pinnedParts(upload.id)).toEqual([
      { partNumber: 3, md5: md5(`contender ${winners[0]}`) },
      { partNumber: 4, md5: md5("part 4") },
    ]);
    expect(await signedCount(upload.id)).toBe(before + 1);
    // And from then on the winner's bytes may be signed again, the others' never.
    await unchanged([email], async () => expectError(await sign(client, upload.id, part(3, `contender ${(winners[0]! + 1) % 12}`)), 409, "checksum_conflict"));
    expect((await sign(twin, upload.id, part(3, `contender ${winners[0]}`))).status).toBe(200);
  });
});
