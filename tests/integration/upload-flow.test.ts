import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import { contentDisposition } from "@/lib/content-disposition";
import { MiB } from "@/lib/units";

import { waitUntil } from "../../scripts/lib/process";
import { ApiClient, signedInClient } from "../helpers/api-client";
import { mp4Like, PNG_1X1 } from "../helpers/fixtures";
import { complete, createMultipart, download, md5, reserve, sendBytes, sign, uploadFile } from "../helpers/valet-upload";
import { APP_URL, backends, bucket, uploadRow, type TestBackend } from "./context";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
};

/** The upload URL is scoped like a valet key: SigV4 signing type and exact length on S3; a create+write SAS for one blob on Azure. */
function expectUploadUrlShape(backend: TestBackend, signed: string) {
  const url = new URL(signed);
  if (backend.name === "s3") {
    expect(url.searchParams.get("X-Amz-SignedHeaders")!.split(";")).toEqual(expect.arrayContaining(["content-length", "content-type", "host"]));
    expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(900);
    expect([...url.searchParams.keys()].some((k) => k.toLowerCase().startsWith("x-amz-checksum"))).toBe(false);
    return;
  }
  expect(url.searchParams.get("sp")).toBe("cw");
  expect(url.searchParams.get("sr")).toBe("b");
  const lifetime = (Date.parse(url.searchParams.get("se")!) - Date.parse(url.searchParams.get("st")!)) / 1000;
  // Start a minute in the past (clock skew), expiry UPLOAD_URL_TTL_SECONDS (900) from now.
  expect(lifetime).toBe(960);
  expect(Date.parse(url.searchParams.get("st")!)).toBeLessThan(Date.now() - 50_000);
}

describe.each(backends.map((b) => [b.name, b] as const))("the upload flow, end to end on PostgreSQL and %s", (_, b) => {
  const { uploadRow, auditActions, adminClient } = b;
  const APP_URL = b.appUrl;
  const bucket = b.store;

  it("uploads a small file with one signed PUT, lists it, downloads it under its name, deletes it", async () => {
    const { client } = await signedInClient(APP_URL);
    const name = 'Résumé "final"; 📄 v2.txt';
    const data = Buffer.from("hello valet\n".repeat(90));

    const upload = await reserve(client, { name, size: data.length, type: "text/plain" });
    expect(upload.strategy).toBe("single");
    expect(upload.key).toMatch(new RegExp(`^users/[0-9a-f-]{36}/${upload.id}/`));
    expect(upload.key.endsWith(name)).toBe(true);

    const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
    expect(signed.status).toBe(200);
    expectUploadUrlShape(b, signed.body.url);

    await sendBytes(client, upload, data, "text/plain");
    const done = await complete(client, upload.id);
    expect(done.status).toBe(200);
    expect(done.body.file).toMatchObject({ id: upload.id, name, size: data.length, type: "text/plain" });
    // Completion is idempotent.
    const again = await complete(client, upload.id);
    expect(again.status).toBe(200);
    // (The checksum job may have finished in between.)
    expect(again.body.file).toEqual({ ...done.body.file, sha256: again.body.file.sha256 });

    const list = await client.json("GET", "/api/files");
    expect(list.body.files.map((f: { id: string }) => f.id)).toContain(upload.id);

    const got = await download(client, upload.id);
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(data));
    expect(got.headers.get("content-disposition")).toBe(contentDisposition(name));
    // A worker streams the object from storage and records its SHA-256.
    await waitUntil("the checksum job", async () => (await client.json("GET", `/api/files/${upload.id}`)).body.file.sha256 !== null, 30_000);
    expect((await client.json("GET", `/api/files/${upload.id}`)).body.file.sha256).toBe(sha256(data));
    expect(await auditActions(upload.id)).toEqual(["upload.reserved", "upload.signed", "upload.signed", "upload.completed", "file.download_signed"]);

    const removed = await client.request(`/api/files/${upload.id}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect(await bucket.headObject(upload.key)).toBeNull();
    expect((await client.json("GET", `/api/files/${upload.id}`)).status).toBe(404);
    expect((await client.request(`/api/files/${upload.id}/download`)).status).toBe(404);
    expect((await uploadRow(upload.id))?.status).toBe("DELETED");
  });

  it("uploads a 17 MiB file in 3 parts (S3 multipart, or Azure blocks the server commits), parts straight to storage", async () => {
    const { client } = await signedInClient(APP_URL);
    const data = mp4Like(17 * MiB);
    const { upload, file } = await uploadFile(client, data, { name: "video.mp4", type: "video/mp4" });
    expect(upload.strategy).toBe(b.name === "s3" ? "multipart" : "blocks");
    expect(upload.maxParts).toBe(3);
    expect(upload.partSize).toBe(8 * MiB);
    expect(file.size).toBe(data.length);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
    const got = await download(client, file.id);
    expect(sha256(got.bytes)).toBe(sha256(data));
    expect(got.headers.get("content-type")).toBe("video/mp4");
  });

  it("keeps a session across requests and lists only the caller's own files", async () => {
    const alice = await signedInClient(APP_URL);
    const bob = await signedInClient(APP_URL);
    const { file } = await uploadFile(alice.client, Buffer.from("alice's"), { name: "a.txt", type: "text/plain" });
    const bobs = await bob.client.json("GET", "/api/files");
    expect(bobs.status).toBe(200);
    expect(bobs.body.files).toEqual([]);
    expect((await bob.client.json("GET", `/api/files/${file.id}`)).status).toBe(404);
    expect((await bob.client.request(`/api/files/${file.id}/download`)).status).toBe(404);
    expect((await bob.client.request(`/api/files/${file.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await alice.client.json("GET", `/api/files/${file.id}`)).status).toBe(200);
  });

  it("answers 409 when completing before the object exists", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "a.txt", size: 10, type: "text/plain" });
    expectError(await complete(client, upload.id), 409, "not_uploaded");
    expect((await uploadRow(upload.id))?.status).toBe("PENDING");
  });

  it("rejects an object whose size differs from the declared size, and deletes it", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "a.txt", size: 1000, type: "text/plain" });
    // Storage refuses a signed PUT of the wrong size on S3 (Azure does not bind the length): put it behind the app's back.
    await b.putBehind(upload.key, Buffer.alloc(999), "text/plain");
    const res = await complete(client, upload.id);
    expectError(res, 422, "upload_rejected");
    expect(res.body.error.message).toContain("999");
    expect(await bucket.headObject(upload.key)).toBeNull();
    const row = await uploadRow(upload.id);
    expect(row?.status).toBe("REJECTED");
    expect(row?.rejectReason).toContain("Size mismatch");
    expectError(await complete(client, upload.id), 422, "upload_rejected");
    expect(await auditActions(upload.id)).toContain("upload.rejected");
  });

  it("rejects an object whose type differs from the declared type", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "a.png", size: 4, type: "image/png" });
    await b.putBehind(upload.key, Buffer.from("<h1>"), "text/html");
    const res = await complete(client, upload.id);
    expectError(res, 422, "upload_rejected");
    expect(res.body.error.message).toContain("text/html");
    expect(await bucket.headObject(upload.key)).toBeNull();
  });

  describe("content verification (magic bytes)", () => {
    async function landAs(body: Buffer, args: { name: string; type: string }) {
      const { client } = await signedInClient(APP_URL);
      const upload = await reserve(client, { ...args, size: body.length });
      await sendBytes(client, upload, body, args.type);
      return { client, upload, res: await complete(client, upload.id) };
    }

    it("quarantines a .png that is really an executable, or HTML; keeps it for admins; serves it to no one", async () => {
      for (const [body, what] of [
        [Buffer.concat([Buffer.from("MZ"), Buffer.alloc(510)]), "application/x-msdownload"],
        [Buffer.from("<!DOCTYPE html><script>alert(1)</script>"), "HTML/SVG markup"],
      ] as const) {
        const { client, upload, res } = await landAs(body, { name: "cute-cat.png", type: "image/png" });
        expect(res).toMatchObject({ status: 422, body: { error: { code: "upload_quarantined" } } });
        expect(res.body.error.message).toContain(what);
        const row = await uploadRow(upload.id);
        expect(row).toMatchObject({ status: "QUARANTINED", rejectReason: expect.stringContaining(what) });
        expect(await bucket.headObject(upload.key)).not.toBeNull();
        expect((await client.request(`/api/files/${upload.id}/download`)).status).toBe(404);
        expect((await client.json("POST", `/api/files/${upload.id}/shares`, {})).status).toBe(409);
        expect((await complete(client, upload.id)).body.error.code).toBe("upload_quarantined");
        expect(await auditActions(upload.id)).toContain("upload.quarantined");

        const { client: admin } = await adminClient();
        const listed = await admin.json("GET", `/api/admin/uploads?status=QUARANTINED&q=${upload.id}`);
        expect(listed.body.uploads).toEqual([expect.objectContaining({ id: upload.id, status: "QUARANTINED", rejectReason: expect.stringContaining(what) })]);
        expect((await admin.request(`/api/admin/files/${upload.id}`, { method: "DELETE" })).status).toBe(204);
        expect(await bucket.headObject(upload.key)).toBeNull();
      }
    });

    it("accepts bytes that match: a real PNG, plain text", async () => {
      expect((await landAs(PNG_1X1, { name: "pixel.png", type: "image/png" })).res.status).toBe(200);
      expect((await landAs(Buffer.from("just words\n"), { name: "notes.txt", type: "text/plain" })).res.status).toBe(200);
    });

    it("quarantines an executable declared as text", async () => {
      const { res } = await landAs(Buffer.concat([Buffer.from("7f454c46020101", "hex"), Buffer.alloc(200)]), { name: "readme.txt", type: "text/plain" });
      expect(res.body.error.code).toBe("upload_quarantined");
    });
  });

  it("sends a nonce-based CSP naming the storage origin on pages", async () => {
    const page = await new ApiClient(APP_URL).request("/sign-in");
    const csp = page.headers.get("content-security-policy") ?? "";
    const origin = new URL(b.name === "s3" ? process.env.S3_ENDPOINT! : process.env.AZURE_BLOB_ENDPOINT!).origin;
    expect(csp).toContain(`connect-src 'self' ${origin}`);
  });
});

describe("S3 multipart uploads", () => {
  it("aborts a pending multipart upload in storage too", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    // Pins the uploadId (the server checks it with storage first).
    expect((await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 1, contentMd5: md5("part 1") })).status).toBe(200);
    expect(await bucket.multipartUploadExists(upload.key, uploadId)).toBe(true);

    const aborted = await client.request(`/api/uploads/${upload.id}`, { method: "DELETE" });
    expect(aborted.status).toBe(204);
    expect(await bucket.multipartUploadExists(upload.key, uploadId)).toBe(false);
    expect((await uploadRow(upload.id))?.status).toBe("ABORTED");
    const late = await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 2 });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("invalid_state");
    expect((await client.request(`/api/uploads/${upload.id}`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("refusals by the app", () => {
  it("requires a session", async () => {
    const anonymous = new ApiClient(APP_URL);
    expectError(await anonymous.json("POST", "/api/uploads", { name: "a.txt", size: 1, type: "text/plain" }), 401, "unauthenticated");
    expectError(await anonymous.json("GET", "/api/files"), 401, "unauthenticated");
  });

  it("refuses a wrong password, and a second account with the same email", async () => {
    const { email } = await signedInClient(APP_URL);
    expect(await new ApiClient(APP_URL).signIn(email, "wrong password!")).toBe(false);
    expectError(await new ApiClient(APP_URL).json("POST", "/api/users", { email: email.toUpperCase(), password: "another password" }), 409, "email_taken");
    expectError(await new ApiClient(APP_URL).json("POST", "/api/users", { email: "not-an-email", password: "long enough" }), 422, "invalid_input");
    expectError(await new ApiClient(APP_URL).json("POST", "/api/users", { email: "short@example.test", password: "short" }), 422, "invalid_input");
  });

  it("validates reservations: JSON, size, type, limit", async () => {
    const { client } = await signedInClient(APP_URL);
    expectError(await client.json("POST", "/api/uploads", "{not json"), 400, "invalid_json");
    for (const size of [0, -1, 1.5, "12"]) {
      expectError(await client.json("POST", "/api/uploads", { name: "a.txt", size, type: "text/plain" }), 422, "invalid_input");
    }
    expectError(await client.json("POST", "/api/uploads", { name: "a.txt", size: 6 * 1024 * MiB, type: "text/plain" }), 413, "too_large");
    expectError(await client.json("POST", "/api/uploads", { name: "a.exe", size: 10, type: "application/x-msdownload" }), 415, "type_not_allowed");
    expectError(await client.json("POST", "/api/uploads", { name: "a", size: 10, type: "" }), 415, "type_not_allowed");
    expectError(await client.json("POST", "/api/uploads", { name: "x".repeat(10_000), size: 10, type: "text/plain" }), 422, "invalid_input");
  });

  it("sanitises the declared name into the key", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "../../etc/\u202Egpj.exe\u0000", size: 10, type: "text/plain" });
    const lastSegment = upload.key.split("/").at(-1);
    expect(upload.key.split("/")).toHaveLength(4);
    expect(lastSegment).toBe("_.._etc_gpj.exe");
  });

  it("refuses a cross-origin state-changing request", async () => {
    const { client } = await signedInClient(APP_URL);
    const res = await client.json("POST", "/api/uploads", { name: "a.txt", size: 1, type: "text/plain" }, { origin: "https://evil.example" });
    expectError(res, 403, "cross_origin");
  });

  it("signs nothing for another user's upload", async () => {
    const alice = await signedInClient(APP_URL);
    const mallory = await signedInClient(APP_URL);
    const upload = await reserve(alice.client, { name: "a.txt", size: 10, type: "text/plain" });
    expectError(await sign(mallory.client, upload.id, { method: "PUT", key: upload.key }), 404, "not_found");
    expectError(await complete(mallory.client, upload.id), 404, "not_found");
    expectError(await mallory.client.json("DELETE", `/api/uploads/${upload.id}`), 404, "not_found");
    expect((await uploadRow(upload.id))?.status).toBe("PENDING");
  });

  it("signs only the reserved key and the operations the strategy needs", async () => {
    const { client } = await signedInClient(APP_URL);
    const single = await reserve(client, { name: "a.txt", size: 10, type: "text/plain" });
    expectError(await sign(client, single.id, { method: "PUT", key: `${single.key}x` }), 403, "key_mismatch");
    expectError(await sign(client, single.id, { method: "PUT", key: single.key.replace(/\/[^/]+$/, "/other.txt") }), 403, "key_mismatch");
    expectError(await sign(client, single.id, { method: "GET", key: single.key }), 403, "operation_not_allowed");
    expectError(await sign(client, single.id, { method: "DELETE", key: single.key }), 403, "operation_not_allowed");
    expectError(await sign(client, single.id, { method: "POST", key: single.key }), 403, "operation_not_allowed");
    expectError(
      await sign(client, single.id, { method: "PUT", key: single.key, contentType: "text/html", contentMd5: md5("0123456789") }),
      422,
      "invalid_input",
    );
    const batch = Array.from({ length: 101 }, () => ({ method: "PUT", key: single.key }));
    expectError(await sign(client, single.id, { requests: batch }), 422, "invalid_input");
  });

  it("pins the multipart uploadId: unknown ids are refused, and then no other id is signed", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    expectError(
      await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId: "made-up-upload-id", partNumber: 1, contentMd5: md5("p") }),
      403,
      "upload_id_mismatch",
    );
    expect((await uploadRow(upload.id))?.s3UploadId).toBeNull();

    // Another upload's real uploadId is refused as well: storage knows it, but not on this key.
    const other = await reserve(client, { name: "other.zip", size: 20 * MiB, type: "application/zip" });
    const otherId = await createMultipart(client, other, "application/zip");
    expectError(
      await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId: otherId, partNumber: 1, contentMd5: md5("p") }),
      403,
      "upload_id_mismatch",
    );

    const uploadId = await createMultipart(client, upload, "application/zip");
    expect((await sign(client, upload.id, { method: "GET", key: upload.key, uploadId })).status).toBe(200);
    expect((await uploadRow(upload.id))?.s3UploadId).toBe(uploadId);
    expectError(await sign(client, upload.id, { method: "POST", key: upload.key }), 409, "invalid_state");
    expectError(
      await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId: otherId, partNumber: 1, contentMd5: md5("p") }),
      403,
      "upload_id_mismatch",
    );
  });

  it("refuses part numbers outside the upload's part count", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    expect(upload.maxParts).toBe(3);
    for (const partNumber of [0, 4, 10_001]) {
      expectError(await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber, contentMd5: md5("p") }), 422, "invalid_input");
    }
    const ok = await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 3, contentMd5: md5("p") });
    expect(ok.status).toBe(200);
    // The last part's exact length (20 MiB - 2 × 8 MiB) is signed.
    expect(new URL(ok.body.url).searchParams.get("X-Amz-SignedHeaders")).toContain("content-length");
  });
});

describe("security headers", () => {
  it("sends a nonce-based CSP naming the storage origin on pages, and the usual hardening headers everywhere", async () => {
    const page = await new ApiClient(APP_URL).request("/sign-in");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain(`connect-src 'self' ${new URL(process.env.S3_ENDPOINT!).origin}`);
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(await page.text()).toContain(`nonce="${nonce}"`);
    for (const res of [page, await new ApiClient(APP_URL).request("/api/health")]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    }
  });
});
