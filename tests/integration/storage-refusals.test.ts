// What Ceph RGW itself refuses when a signed URL is misused. These can only be proven against a
// real S3 implementation: the dev-mode emulator checks no signatures at all.
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { signedInClient } from "../helpers/api-client";
import { bytes, createMultipart, md5, reserve, sign } from "../helpers/valet-upload";
import { APP_URL, bucket } from "./context";

async function signedPut(size: number, type = "text/plain") {
  const { client } = await signedInClient(APP_URL);
  const upload = await reserve(client, { name: "a.txt", size, type });
  const res = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: type, contentMd5: md5("hello") });
  expect(res.status).toBe(200);
  return { upload, url: res.body.url as string, headers: res.body.headers as Record<string, string> };
}

async function expectRefused(response: Response, code: string) {
  expect(response.status).toBe(403);
  expect(await response.text()).toContain(`<Code>${code}</Code>`);
}

// The attacks on signed URLs (tampering, expiry, other keys, methods, types, sizes) are in
// adversarial.test.ts; these prove the exact-length signing edge cases and the checksums.
describe("refusals by storage (Ceph RGW)", () => {
  it("refuses a single PUT of another size than declared", async () => {
    const { upload, url, headers } = await signedPut(5);
    // The MD5 header stays the signed one; only the length differs.
    await expectRefused(await fetch(url, { method: "PUT", headers, body: "hello!" }), "SignatureDoesNotMatch");
    await expectRefused(await fetch(url, { method: "PUT", headers, body: "hell" }), "SignatureDoesNotMatch");
    expect(await bucket.headObject(upload.key)).toBeNull();
  });

  it("refuses a part one byte off the signed size, and takes the exact size", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    const part = await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 1, contentMd5: md5(Buffer.alloc(8 * MiB)) });
    expect(part.status).toBe(200);
    const headers = part.body.headers as Record<string, string>;
    await expectRefused(await fetch(part.body.url, { method: "PUT", headers, body: bytes(Buffer.alloc(8 * MiB - 1)) }), "SignatureDoesNotMatch");
    await expectRefused(await fetch(part.body.url, { method: "PUT", headers, body: bytes(Buffer.alloc(8 * MiB + 1)) }), "SignatureDoesNotMatch");
    // The signed size goes through: the refusals above were about size, not the URL.
    expect((await fetch(part.body.url, { method: "PUT", headers, body: bytes(Buffer.alloc(8 * MiB)) })).status).toBe(200);
  });
});

describe("per-part checksums: Content-MD5 signed into the URL (Ceph RGW)", () => {
  async function signedPart(data: Buffer) {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    const res = await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 1, contentMd5: md5(data) });
    expect(res.status).toBe(200);
    expect(res.body.headers).toEqual({ "content-md5": md5(data) });
    return { upload, uploadId, url: res.body.url as string, headers: res.body.headers as Record<string, string> };
  }

  const partsOf = async (upload: { key: string }, uploadId: string) => {
    const { ListPartsCommand } = await import("@aws-sdk/client-s3");
    return (await bucket.client.send(new ListPartsCommand({ Bucket: bucket.bucket, Key: upload.key, UploadId: uploadId }))).Parts ?? [];
  };

  it("refuses a part whose bytes differ from the signed MD5, and takes the right bytes", async () => {
    const data = Buffer.alloc(8 * MiB, 7);
    const { upload, uploadId, url, headers } = await signedPart(data);
    const corrupted = Buffer.from(data);
    corrupted[12345] = 8; // same length, one byte flipped in transit
    const refused = await fetch(url, { method: "PUT", headers, body: bytes(corrupted) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("<Code>BadDigest</Code>");
    expect(await partsOf(upload, uploadId)).toEqual([]);
    expect((await fetch(url, { method: "PUT", headers, body: bytes(data) })).status).toBe(200);
    expect((await partsOf(upload, uploadId)).map((p) => p.PartNumber)).toEqual([1]);
  });

  it("refuses a checksummed part URL used without its Content-MD5 or with another one", async () => {
    const data = Buffer.alloc(8 * MiB, 1);
    const { upload, uploadId, url } = await signedPart(data);
    await expectRefused(await fetch(url, { method: "PUT", body: bytes(data) }), "SignatureDoesNotMatch");
    const other = Buffer.alloc(8 * MiB, 2);
    await expectRefused(await fetch(url, { method: "PUT", headers: { "content-md5": md5(other) }, body: bytes(other) }), "SignatureDoesNotMatch");
    expect(await partsOf(upload, uploadId)).toEqual([]);
  });

  it("refuses a single PUT whose bytes differ from the signed MD5", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "a.txt", size: 5, type: "text/plain" });
    const res = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5("hello") });
    expect(res.body.headers).toEqual({
      "content-type": "text/plain",
      "content-md5": md5("hello"),
      "x-amz-acl": "bucket-owner-full-control",
      "if-none-match": "*",
    });
    const refused = await fetch(res.body.url, { method: "PUT", headers: res.body.headers, body: "hellp" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("<Code>BadDigest</Code>");
    expect(await bucket.headObject(upload.key)).toBeNull();
    expect((await fetch(res.body.url, { method: "PUT", headers: res.body.headers, body: "hello" })).status).toBe(200);
  });

  it("signs a checksum only for PUTs, and only a well-formed one", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "big.zip", size: 20 * MiB, type: "application/zip" });
    const onCreate = await sign(client, upload.id, { method: "POST", key: upload.key, contentMd5: md5("x") });
    expect(onCreate.status).toBe(403);
    expect(onCreate.body.error.code).toBe("operation_not_allowed");
    const malformed = await sign(client, upload.id, { method: "POST", key: upload.key, contentMd5: "abc" });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error).toEqual({
      code: "invalid_input",
      message: "contentMd5: contentMd5 must be the base64 MD5 digest of the bytes (24 characters)",
    });
  });

  it("lets the app's page read a refusal: the bucket's CORS rule exposes x-amz-error-code (the uploader's words for it depend on it)", async () => {
    const { url, headers } = await signedPut(5);
    // Signed for "hello"; same length, other bytes: storage checks the signature, then refuses the digest.
    // (A request whose signature fails gets no CORS headers at all from RGW: the page sees a network error.)
    const refused = await fetch(url, { method: "PUT", headers: { ...headers, Origin: new URL(APP_URL).origin }, body: "hellp" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("<Code>BadDigest</Code>");
    expect(refused.headers.get("access-control-allow-origin")).toBe(new URL(APP_URL).origin);
    const exposed = (refused.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["etag", "x-amz-error-code"]));
  });
});
