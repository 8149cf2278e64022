// The adversarial suite, on Ceph RGW and the real app: every case makes one attack and asserts
// the status, the error body, and that nothing changed: no row moved (the users' uploads, links,
// tokens and accounts) and no object or part was written or deleted in storage. A world of
// victim data is seeded per group; each attack comes from an account of its own.
import { createHash, randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { beforeAll, describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { ApiClient, signedInClient, type JsonResponse } from "../helpers/api-client";
import { zipLike } from "../helpers/fixtures";
import { expectError, expectStorageError, unchanged } from "../helpers/state";
import { bytes, createMultipart, md5, reserve, sign, uploadFile, type Reservation } from "../helpers/valet-upload";
import { APP_URL, bucket, sql, userIdOf } from "./context";

/**
 * A victim with a READY file, a live share link, and a multipart upload in progress (part 1 of 3
 * in storage); plus a single upload reserved and signed but not sent.
 */
async function seedVictim() {
  const { client, email } = await signedInClient(APP_URL);
  const { file } = await uploadFile(client, Buffer.from("the victim's private notes\n"), { name: "notes.txt", type: "text/plain" });
  const share = await client.json("POST", `/api/files/${file.id}/shares`, { expiresInSeconds: 3600 });
  const data = zipLike(20 * MiB);
  const multipart = await reserve(client, { name: "big.zip", size: data.length, type: "application/zip" });
  const uploadId = await createMultipart(client, multipart, "application/zip");
  const signed = await sign(client, multipart.id, {
    requests: [
      { method: "PUT", key: multipart.key, uploadId, partNumber: 1, contentMd5: md5(data.subarray(0, 8 * MiB)) },
      { method: "PUT", key: multipart.key, uploadId, partNumber: 2, contentMd5: md5(data.subarray(8 * MiB, 16 * MiB)) },
      { method: "PUT", key: multipart.key, uploadId, partNumber: 3, contentMd5: md5(data.subarray(16 * MiB)) },
      { method: "POST", key: multipart.key, uploadId },
      { method: "DELETE", key: multipart.key, uploadId },
    ],
  });
  const [part1, part2, part3, completeUrl, abortUrl] = signed.body.results.map((r: { url: string; headers?: Record<string, string> }) => r);
  expect((await fetch(part1.url, { method: "PUT", headers: part1.headers, body: bytes(data.subarray(0, 8 * MiB)) })).status).toBe(200);
  const single = await reserve(client, { name: "a.txt", size: 5, type: "text/plain" });
  const put = await sign(client, single.id, { method: "PUT", key: single.key, contentType: "text/plain", contentMd5: md5("hello") });
  return {
    client,
    email,
    file,
    share: share.body.share,
    token: new URL(share.body.share.url).pathname.split("/").at(-1)!,
    data,
    multipart,
    uploadId,
    part1,
    part2,
    part3,
    completeUrl,
    abortUrl,
    single,
    put: put.body as { url: string; headers: Record<string, string> },
  };
}

type Victim = Awaited<ReturnType<typeof seedVictim>>;
type Route = { method: string; path: string; body?: unknown };

describe("adversarial: signed URLs misused at storage", () => {
  let v: Victim;
  beforeAll(async () => {
    v = await seedVictim();
  });
  const attack = <T>(fn: () => Promise<T>) => unchanged([v.email], fn);

  it("tampered signature", () =>
    attack(async () => {
      const url = new URL(v.put.url);
      const signature = url.searchParams.get("X-Amz-Signature")!;
      url.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
      await expectStorageError(await fetch(url, { method: "PUT", headers: v.put.headers, body: "hello" }), 403, "SignatureDoesNotMatch");
    }));

  it("expired URL", () =>
    attack(async () => {
      const stale = await bucket.presign(
        { op: "putObject", key: v.single.key, contentType: "text/plain", contentLength: 5, contentMd5: md5("hello") },
        60,
        new Date(Date.now() - 10 * 60_000),
      );
      await expectStorageError(await fetch(stale.url, { method: "PUT", headers: stale.headers, body: "hello" }), 403, "AccessDenied");
    }));

  it("URL used for another key", () =>
    attack(async () => {
      const url = new URL(v.put.url);
      url.pathname = url.pathname.replace(/[^/]+$/, "evil.html");
      await expectStorageError(await fetch(url, { method: "PUT", headers: v.put.headers, body: "hello" }), 403, "SignatureDoesNotMatch");
    }));

  it("PUT URL used for GET", () => attack(async () => expectStorageError(await fetch(v.put.url, { method: "GET" }), 403, "SignatureDoesNotMatch")));

  it("PUT URL used for DELETE", () => attack(async () => expectStorageError(await fetch(v.put.url, { method: "DELETE" }), 403, "SignatureDoesNotMatch")));

  it("complete URL used to abort the multipart upload", () =>
    attack(async () => expectStorageError(await fetch(v.completeUrl.url, { method: "DELETE" }), 403, "SignatureDoesNotMatch")));

  it("abort URL used to complete the multipart upload", () =>
    attack(async () => expectStorageError(await fetch(v.abortUrl.url, { method: "POST", body: "<CompleteMultipartUpload/>" }), 403, "SignatureDoesNotMatch")));

  it("wrong Content-Type on a single PUT", () =>
    attack(async () =>
      expectStorageError(
        await fetch(v.put.url, { method: "PUT", headers: { ...v.put.headers, "content-type": "text/html" }, body: "hello" }),
        403,
        "SignatureDoesNotMatch",
      ),
    ));

  it("part larger than signed", () =>
    attack(async () =>
      expectStorageError(
        await fetch(v.part2.url, { method: "PUT", headers: v.part2.headers, body: bytes(v.data.subarray(8 * MiB, 16 * MiB + 1)) }),
        403,
        "SignatureDoesNotMatch",
      ),
    ));

  it("part smaller than signed", () =>
    attack(async () =>
      expectStorageError(
        await fetch(v.part3.url, { method: "PUT", headers: v.part3.headers, body: bytes(v.data.subarray(16 * MiB, 20 * MiB - 1)) }),
        403,
        "SignatureDoesNotMatch",
      ),
    ));

  it("part bytes that do not match the signed checksum", () =>
    attack(async () => {
      const corrupted = Buffer.from(v.data.subarray(0, 8 * MiB));
      corrupted[100] = corrupted[100]! ^ 0xff;
      await expectStorageError(await fetch(v.part1.url, { method: "PUT", headers: v.part1.headers, body: bytes(corrupted) }), 400, "BadDigest");
    }));

  it("complete with a part that was never uploaded (extra part)", () =>
    attack(async () => {
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${createHash("md5")
        .update(v.data.subarray(0, 8 * MiB))
        .digest("hex")}"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"00000000000000000000000000000000"</ETag></Part></CompleteMultipartUpload>`;
      await expectStorageError(await fetch(v.completeUrl.url, { method: "POST", body: xml }), 400, "InvalidPart");
    }));

  it("complete with parts missing and out of order: storage takes it (RGW does not check the order), completion rejects it", async () => {
    const own = await seedVictim();
    const second = own.data.subarray(8 * MiB, 16 * MiB);
    expect((await fetch(own.part2.url, { method: "PUT", headers: own.part2.headers, body: bytes(second) })).status).toBe(200);
    const etag = (b: Buffer) => `"${createHash("md5").update(b).digest("hex")}"`;
    const xml = `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${etag(second)}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${etag(own.data.subarray(0, 8 * MiB))}</ETag></Part></CompleteMultipartUpload>`;
    expect((await fetch(own.completeUrl.url, { method: "POST", body: xml })).status).toBe(200);
    // What landed is 16 MiB of a declared 20: never a file, and the object is deleted.
    expectError(await own.client.json("POST", `/api/uploads/${own.multipart.id}/complete`), 422, "upload_rejected", /Size mismatch/);
    expect((await sql.query(`SELECT status FROM "Upload" WHERE id = $1`, [own.multipart.id])).rows[0].status).toBe("REJECTED");
    expect(await bucket.headObject(own.multipart.key)).toBeNull();
    expect((await own.client.json("GET", `/api/files/${own.multipart.id}`)).status).toBe(404);
  });
});

describe("adversarial: what the app refuses to sign or complete", () => {
  let v: Victim;
  beforeAll(async () => {
    v = await seedVictim();
  });

  /** An attacker with an account of their own, and a multipart upload of their own. */
  async function attacker() {
    const { client, email } = await signedInClient(APP_URL);
    return { client, email };
  }

  const partRequest = (partNumber: number) => ({ method: "PUT", key: v.multipart.key, uploadId: v.uploadId, partNumber, contentMd5: md5("any part") });

  it.each([
    ["part number 0", 0, /partNumber: partNumber must be 1 to 10,000/],
    ["part number 10,001", 10_001, /partNumber: partNumber must be 1 to 10,000/],
    // Past PostgreSQL's int: refused as input, before any statement could fail on it (was a 500).
    ["part number 3,000,000,000", 3_000_000_000, /partNumber: partNumber must be 1 to 10,000/],
    ["a part number beyond the upload's count", 4, /between 1 and 3/],
  ])("%s", (_, partNumber, message) =>
    unchanged([v.email], async () => expectError(await sign(v.client, v.multipart.id, partRequest(partNumber)), 422, "invalid_input", message)),
  );

  it("a fractional part number", () =>
    unchanged([v.email], async () => expectError(await sign(v.client, v.multipart.id, partRequest(1.5)), 422, "invalid_input", /partNumber/)));

  it("another upload's uploadId", async () => {
    const { client, email } = await attacker();
    const mine = await reserve(client, { name: "mine.zip", size: 20 * MiB, type: "application/zip" });
    const myUploadId = await createMultipart(client, mine, "application/zip");
    const other = await reserve(client, { name: "other.zip", size: 20 * MiB, type: "application/zip" });
    await unchanged([email, v.email], async () => {
      // The victim's uploadId on the attacker's own reservation, then the attacker's other one.
      expectError(
        await sign(client, other.id, { method: "PUT", key: other.key, uploadId: v.uploadId, partNumber: 1, contentMd5: md5("p") }),
        403,
        "upload_id_mismatch",
      );
      expectError(
        await sign(client, other.id, { method: "PUT", key: other.key, uploadId: myUploadId, partNumber: 1, contentMd5: md5("p") }),
        403,
        "upload_id_mismatch",
      );
    });
  });

  it("a key other than the reserved one", async () => {
    const { client, email } = await attacker();
    const mine = await reserve(client, { name: "mine.txt", size: 5, type: "text/plain" });
    await unchanged([email, v.email], async () =>
      expectError(await sign(client, mine.id, { method: "PUT", key: v.single.key, contentType: "text/plain", contentMd5: md5("hello") }), 403, "key_mismatch"),
    );
  });

  it("signing another type than declared", () =>
    unchanged([v.email], async () =>
      expectError(
        await sign(v.client, v.single.id, { method: "PUT", key: v.single.key, contentType: "text/html", contentMd5: md5("hello") }),
        422,
        "invalid_input",
        /text\/plain/,
      ),
    ));

  it.each([
    ["sign", (id: string): Route => ({ method: "POST", path: `/api/uploads/${id}/sign`, body: { method: "PUT", key: "x", contentType: "text/plain" } })],
    ["complete", (id: string): Route => ({ method: "POST", path: `/api/uploads/${id}/complete` })],
    ["abort", (id: string): Route => ({ method: "DELETE", path: `/api/uploads/${id}` })],
    ["read", (id: string): Route => ({ method: "GET", path: `/api/uploads/${id}` })],
  ])("%s someone else's upload", async (_, route) => {
    const { client, email } = await attacker();
    const { method, path, body } = route(v.multipart.id);
    await unchanged([email, v.email], async () => expectError(await client.json(method, path, body), 404, "not_found"));
  });

  it.each([
    ["an upload", "POST", "/api/uploads/not-a-uuid/sign"],
    ["a file", "GET", "/api/files/1%27%20OR%201=1--"],
    ["a link", "DELETE", "/api/shares/..%2F..%2Fadmin"],
  ])("a malformed id for %s", (_, method, path) =>
    unchanged([v.email], async () => expectError(await v.client.json(method, path, method === "POST" ? {} : undefined), 404, "not_found")),
  );

  it("completing before the bytes are there", () =>
    unchanged([v.email], async () => expectError(await v.client.json("POST", `/api/uploads/${v.single.id}/complete`), 409, "not_uploaded")));
});

describe("adversarial: reservations", () => {
  it.each([
    ["size 0", { name: "a.txt", size: 0, type: "text/plain" }, 422, "invalid_input"],
    ["a negative size", { name: "a.txt", size: -5, type: "text/plain" }, 422, "invalid_input"],
    ["a fractional size", { name: "a.txt", size: 1.5, type: "text/plain" }, 422, "invalid_input"],
    ["a size over the limit", { name: "a.zip", size: 6 * 1024 ** 4, type: "application/zip" }, 413, "too_large"],
    ["a type not allowed", { name: "a.exe", size: 10, type: "application/x-msdownload" }, 415, "type_not_allowed"],
    ["a name of 10,000 characters", { name: "a".repeat(10_000), size: 10, type: "text/plain" }, 422, "invalid_input"],
    ["a size given as a string", { name: "a.txt", size: "10", type: "text/plain" }, 422, "invalid_input"],
  ])("%s", async (_, body, status, code) => {
    const { client, email } = await signedInClient(APP_URL);
    await unchanged([email], async () => expectError(await client.json("POST", "/api/uploads", body), status, code));
  });

  it("over quota", async () => {
    const { client, email } = await signedInClient(APP_URL);
    await sql.query(`UPDATE "User" SET "quotaBytes" = 100 WHERE email = $1`, [email]);
    await unchanged([email], async () =>
      expectError(await client.json("POST", "/api/uploads", { name: "a.txt", size: 101, type: "text/plain" }), 413, "quota_exceeded"),
    );
  });

  // Hostile names are not refused: the server chooses the key, and the name is made safe.
  it.each([
    ["../", "../../etc/passwd", "_.._etc_passwd"],
    ["backslashes", "..\\..\\windows\\system32.txt", "_.._windows_system32.txt"],
    ["NUL", "evil\u0000.txt", "evil.txt"],
    ["an RTL override", "invoice\u202Etxt.exe", "invoicetxt.exe"],
    ["only dots", "...", "file"],
    ["a lone surrogate", "\ud800x.txt", "\ufffdx.txt"],
  ])("a name with %s is made safe, and the key stays the server's", async (_, name, safe) => {
    const { client, email } = await signedInClient(APP_URL);
    const res = await client.json("POST", "/api/uploads", { name, size: 10, type: "text/plain" });
    expect(res.status).toBe(201);
    const { upload } = res.body as { upload: Reservation & { name: string } };
    expect(upload.name).toBe(safe);
    expect(upload.key).toBe(`users/${await userIdOf(email)}/${upload.id}/${safe}`);
  });
});

describe("adversarial: requests and sessions", () => {
  let v: Victim;
  beforeAll(async () => {
    v = await seedVictim();
  });
  const attack = <T>(fn: () => Promise<T>) => unchanged([v.email], fn);
  const post = (client: ApiClient, body: string, headers: Record<string, string>) =>
    client
      .request("/api/uploads", { method: "POST", headers, body })
      .then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }) as JsonResponse);

  it("malformed JSON", () =>
    attack(async () => expectError(await post(v.client, '{"name": "a.txt", "size": ', { "content-type": "application/json" }), 400, "invalid_json")));

  it("a 10 MB JSON body", () =>
    attack(async () =>
      expectError(
        await post(v.client, JSON.stringify({ name: "a".repeat(10 * 1024 * 1024), size: 1, type: "text/plain" }), { "content-type": "application/json" }),
        413,
        "body_too_large",
      ),
    ));

  it("JSON sent with another content type (as a cross-site form could)", () =>
    attack(async () =>
      expectError(
        await post(v.client, JSON.stringify({ name: "a.txt", size: 5, type: "text/plain" }), { "content-type": "text/plain" }),
        415,
        "unsupported_media_type",
      ),
    ));

  it("no session", () =>
    attack(async () =>
      expectError(await new ApiClient(APP_URL).json("POST", "/api/uploads", { name: "a.txt", size: 5, type: "text/plain" }), 401, "unauthenticated"),
    ));

  it("a forged session cookie", () =>
    attack(async () => {
      const forged = new ApiClient(APP_URL);
      const res = await forged.json("DELETE", `/api/files/${v.file.id}`, undefined, {
        cookie: `authjs.session-token=${Buffer.from(JSON.stringify({ sub: await userIdOf(v.email) })).toString("base64url")}`,
      });
      expectError(res, 401, "unauthenticated");
    }));

  it("an expired session cookie", () =>
    attack(async () => {
      const salt = "authjs.session-token";
      const token = await encode({ token: { sub: await userIdOf(v.email), email: v.email }, secret: process.env.AUTH_SECRET!, salt, maxAge: -60 });
      const res = await new ApiClient(APP_URL).json("DELETE", `/api/files/${v.file.id}`, undefined, { cookie: `${salt}=${token}` });
      expectError(res, 401, "unauthenticated");
    }));

  it("a cross-origin state-changing request carrying the victim's cookie", () =>
    attack(async () =>
      expectError(await v.client.json("DELETE", `/api/files/${v.file.id}`, undefined, { origin: "https://evil.example" }), 403, "cross_origin"),
    ));

  it("a disabled user", async () => {
    const { client, email } = await signedInClient(APP_URL);
    await sql.query(`UPDATE "User" SET "disabledAt" = now() WHERE email = $1`, [email]);
    await unchanged([email], async () =>
      expectError(await client.json("POST", "/api/uploads", { name: "a.txt", size: 5, type: "text/plain" }), 401, "unauthenticated"),
    );
  });

  it("a revoked API token", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const created = await client.json("POST", "/api/tokens", { name: "cli" });
    expect((await client.json("DELETE", `/api/tokens/${created.body.token.id}`)).status).toBe(204);
    const bearer = new ApiClient(APP_URL);
    bearer.bearer = created.body.token.secret;
    await unchanged([email], async () =>
      expectError(await bearer.json("POST", "/api/uploads", { name: "a.txt", size: 5, type: "text/plain" }), 401, "unauthenticated"),
    );
  });
});

describe("adversarial: someone else's files, links and the admin API (IDOR)", () => {
  let v: Victim;
  beforeAll(async () => {
    v = await seedVictim();
  });

  it.each([
    ["read a file", (v: Victim): Route => ({ method: "GET", path: `/api/files/${v.file.id}` })],
    ["download a file", (v: Victim): Route => ({ method: "GET", path: `/api/files/${v.file.id}/download` })],
    ["delete a file", (v: Victim): Route => ({ method: "DELETE", path: `/api/files/${v.file.id}` })],
    ["list a file's links", (v: Victim): Route => ({ method: "GET", path: `/api/files/${v.file.id}/shares` })],
    ["share a file", (v: Victim): Route => ({ method: "POST", path: `/api/files/${v.file.id}/shares`, body: { expiresInSeconds: 3600 } })],
    ["revoke a link", (v: Victim): Route => ({ method: "DELETE", path: `/api/shares/${v.share.id}` })],
  ])("%s of someone else's", async (_, route) => {
    const { client, email } = await signedInClient(APP_URL);
    const { method, path, body } = route(v);
    await unchanged([email, v.email], async () => {
      const res =
        method === "GET" && path.endsWith("/download")
          ? await client.request(path).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }))
          : await client.json(method, path, body);
      expectError(res, 404, "not_found");
    });
  });

  it("revoke someone else's API token", async () => {
    const created = await v.client.json("POST", "/api/tokens", { name: "victim's" });
    const { client, email } = await signedInClient(APP_URL);
    await unchanged([email, v.email], async () => expectError(await client.json("DELETE", `/api/tokens/${created.body.token.id}`), 404, "not_found"));
  });

  it.each([
    ["GET", "/api/admin/uploads"],
    ["GET", "/api/admin/users"],
    ["GET", "/api/admin/audit"],
    ["PATCH", "/api/admin/users/:victim", { role: "ADMIN" }],
    ["DELETE", "/api/admin/files/:file"],
    ["POST", "/api/admin/files/:file/revoke-shares"],
    ["DELETE", "/api/admin/uploads/:upload"],
  ] as const)("%s %s as an ordinary user", async (method, template, body?: unknown) => {
    const { client, email } = await signedInClient(APP_URL);
    const path = template
      .replace(":victim", await userIdOf(v.email))
      .replace(":file", v.file.id)
      .replace(":upload", v.multipart.id);
    await unchanged([email, v.email], async () => expectError(await client.json(method, path, body), 403, "forbidden"));
  });
});

describe("adversarial: share links", () => {
  const anonymous = () => new ApiClient(APP_URL);
  const download = async (token: string, password?: string) => {
    const res =
      password === undefined
        ? await anonymous().request(`/s/${token}/download`)
        : await anonymous().request(`/s/${token}/download`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ password }),
          });
    return { status: res.status, headers: res.headers, body: res.status === 302 ? null : await res.json() } as JsonResponse;
  };
  async function link(share: Record<string, unknown>) {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("shared\n"), { name: "s.txt", type: "text/plain" });
    const created = await client.json("POST", `/api/files/${file.id}/shares`, share);
    return { client, email, share: created.body.share, token: new URL(created.body.share.url).pathname.split("/").at(-1)! };
  }

  it("an unknown token", async () => {
    const { email } = await link({});
    await unchanged([email], async () => expectError(await download(randomUUID().replace(/-/g, "").padEnd(43, "A")), 404, "not_found"));
  });

  it("an expired link", async () => {
    const { email, share, token } = await link({ expiresInSeconds: 3600 });
    await sql.query(`UPDATE "ShareLink" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [share.id]);
    await unchanged([email], async () => expectError(await download(token), 410, "link_expired"));
  });

  it("a revoked link", async () => {
    const { client, email, share, token } = await link({});
    expect((await client.json("DELETE", `/api/shares/${share.id}`)).status).toBe(204);
    await unchanged([email], async () => expectError(await download(token), 410, "link_revoked"));
  });

  it("a used-up link", async () => {
    const { email, token } = await link({ maxDownloads: 1 });
    expect((await download(token)).status).toBe(302);
    await unchanged([email], async () => expectError(await download(token), 410, "link_used_up"));
  });

  it("a wrong password", async () => {
    const { email, token } = await link({ password: "correct horse battery" });
    await unchanged([email], async () => {
      expectError(await download(token), 401, "password_required");
      expectError(await download(token, "Tr0ub4dor&3"), 401, "wrong_password");
    });
  });

  it("a password brute force is throttled, even for the right password", async () => {
    const { email, token } = await link({ password: "correct horse battery" });
    for (let i = 0; i < 5; i++) expect((await download(token, `guess ${i}`)).status).toBe(401);
    await unchanged([email], async () => {
      const throttled = await download(token, "correct horse battery");
      expectError(throttled, 429, "rate_limited");
      expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  });
});
