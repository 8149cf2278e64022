// Storage-side integrity, on Ceph RGW: least-privilege keys, bytes bound end to end, write-once
// objects, metadata verified, dead rows' objects cleaned. Each attack from the outside review is a
// case here, in the adversarial style (status, error body, nothing else changed). What the
// reconciler cleans up is in reconciler.test.ts (one file, so that runs never overlap).
import { createHash } from "node:crypto";
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { PNG_1X1, zipLike } from "../helpers/fixtures";
import { expectError, expectStorageError, unchanged } from "../helpers/state";
import { bytes, complete, completeMultipartXml, createMultipart, download, md5, reserve, sign, uploadFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, auditActions, bucket, downloadKey, uploadKey, uploadRow } from "./context";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A signed single PUT for `data`, reserved by `client` (a fresh account unless given). */
async function signedSingle(data: Buffer, args: { name: string; type: string }, who?: Awaited<ReturnType<typeof signedInClient>>) {
  const { client, email } = who ?? (await signedInClient(APP_URL));
  const upload = await reserve(client, { ...args, size: data.length });
  const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: args.type, contentMd5: md5(data) });
  expect(signed.status).toBe(200);
  return { client, email, upload, url: signed.body.url as string, headers: signed.body.headers as Record<string, string> };
}

/** A victim with a READY file whose bytes nobody else may have. */
async function victimFile() {
  const { client, email } = await signedInClient(APP_URL);
  const data = Buffer.from("the victim's private notes, which only the victim may read\n");
  const { upload, file } = await uploadFile(client, data, { name: "notes.txt", type: "text/plain" });
  return { client, email, data, upload, file };
}

describe("least-privilege keys (the bucket policy Valet wrote)", () => {
  it("signs upload URLs with the upload key and download URLs with the download key", async () => {
    const { client, upload, url, headers } = await signedSingle(Buffer.from("hello"), { name: "a.txt", type: "text/plain" });
    expect(new URL(url).searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^${process.env.S3_UPLOAD_ACCESS_KEY_ID}/`));
    expect((await fetch(url, { method: "PUT", headers, body: "hello" })).status).toBe(200);
    expect((await complete(client, upload.id)).status).toBe(200);
    const redirect = await client.request(`/api/files/${upload.id}/download`);
    expect(new URL(redirect.headers.get("location")!).searchParams.get("X-Amz-Credential")).toMatch(new RegExp(`^${process.env.S3_DOWNLOAD_ACCESS_KEY_ID}/`));
  });

  it("the upload key cannot read or delete, not even what it wrote; the download key cannot write", async () => {
    const { upload } = await uploadFile((await signedInClient(APP_URL)).client, Buffer.from("written by the upload key\n"), {
      name: "w.txt",
      type: "text/plain",
    });
    const asUploader = await getSignedUrl(uploadKey, new GetObjectCommand({ Bucket: bucket.bucket, Key: upload.key }), { expiresIn: 60 });
    await expectStorageError(await fetch(asUploader), 403, "AccessDenied");
    const deleteAsUploader = await getSignedUrl(uploadKey, new DeleteObjectCommand({ Bucket: bucket.bucket, Key: upload.key }), { expiresIn: 60 });
    await expectStorageError(await fetch(deleteAsUploader, { method: "DELETE" }), 403, "AccessDenied");
    const asDownloader = await getSignedUrl(downloadKey, new PutObjectCommand({ Bucket: bucket.bucket, Key: upload.key }), { expiresIn: 60 });
    await expectStorageError(await fetch(asDownloader, { method: "PUT", body: "overwritten" }), 403, "AccessDenied");
    const outside = await getSignedUrl(uploadKey, new PutObjectCommand({ Bucket: bucket.bucket, Key: "elsewhere/x.txt" }), { expiresIn: 60 });
    await expectStorageError(await fetch(outside, { method: "PUT", body: "x" }), 403, "AccessDenied");
    expect((await bucket.headObject(upload.key))?.size).toBe(26);
  });
});

describe("copy-source: someone else's object cannot be pulled into your upload", () => {
  it("x-amz-copy-source on a single PUT URL is refused by storage, and nothing becomes READY", async () => {
    const victim = await victimFile();
    const attacker = await signedInClient(APP_URL);
    // Reserved with the victim's size and type; the body is only there to match the signed length.
    const filler = Buffer.alloc(victim.data.length);
    const { upload, url, headers } = await signedSingle(filler, { name: "loot.txt", type: "text/plain" }, attacker);
    await unchanged([attacker.email, victim.email], async () => {
      await expectStorageError(
        await fetch(url, { method: "PUT", headers: { ...headers, "x-amz-copy-source": `/${bucket.bucket}/${victim.upload.key}` }, body: bytes(filler) }),
        403,
        "AccessDenied",
      );
      expectError(await complete(attacker.client, upload.id), 409, "not_uploaded");
    });
  });

  it("x-amz-copy-source on a part URL is refused by storage", async () => {
    const victim = await victimFile();
    const attacker = await signedInClient(APP_URL);
    const data = zipLike(20 * MiB);
    const upload = await reserve(attacker.client, { name: "loot.zip", size: data.length, type: "application/zip" });
    const uploadId = await createMultipart(attacker.client, upload, "application/zip");
    const part = await sign(attacker.client, upload.id, {
      method: "PUT",
      key: upload.key,
      uploadId,
      partNumber: 1,
      contentMd5: md5(data.subarray(0, 8 * MiB)),
    });
    await unchanged([attacker.email, victim.email], async () => {
      const res = await fetch(part.body.url, {
        method: "PUT",
        headers: { ...part.body.headers, "x-amz-copy-source": `/${bucket.bucket}/${victim.upload.key}` },
        body: bytes(data.subarray(0, 8 * MiB)),
      });
      // The upload key may not read the source: RGW refuses (403 AccessDenied, or 400 RequestTimeout
      // when it gives up on the body it no longer wants); no part is written either way.
      expect([400, 403]).toContain(res.status);
      expect(await res.text()).toMatch(/<Code>(AccessDenied|RequestTimeout)<\/Code>/);
    });
  });

  it("even a copy made with the main key (a storage without least privilege) is rejected at completion: its ETag is not the signed one", async () => {
    const victim = await victimFile();
    const attacker = await signedInClient(APP_URL);
    const { upload } = await signedSingle(Buffer.alloc(victim.data.length, 0x41), { name: "loot.txt", type: "text/plain" }, attacker);
    await bucket.client.send(new CopyObjectCommand({ Bucket: bucket.bucket, Key: upload.key, CopySource: `${bucket.bucket}/${victim.upload.key}` }));
    const res = await complete(attacker.client, upload.id);
    expectError(res, 422, "upload_rejected", /Content mismatch/);
    expect((await uploadRow(upload.id))?.status).toBe("REJECTED");
    expect(await bucket.headObject(upload.key)).toBeNull();
    expect((await attacker.client.request(`/api/files/${upload.id}/download`)).status).toBe(404);
  });
});

describe("write-once objects and pinned checksums", () => {
  it("a second PUT through a completed upload's URL is refused (412), and downloads still serve the verified bytes", async () => {
    const { client, email, upload, url, headers } = await signedSingle(PNG_1X1, { name: "cat.png", type: "image/png" });
    expect((await fetch(url, { method: "PUT", headers, body: bytes(PNG_1X1) })).status).toBe(200);
    expect((await complete(client, upload.id)).status).toBe(200);
    const html = Buffer.alloc(PNG_1X1.length, 0x20);
    html.write("<html><script>alert(1)</script>");
    await unchanged([email], async () => {
      // The same URL, with its own headers: storage will not write over the object.
      await expectStorageError(await fetch(url, { method: "PUT", headers, body: bytes(PNG_1X1) }), 412, "PreconditionFailed");
      // Other bytes of the same length: refused as well (the MD5 is signed).
      const refused = await fetch(url, { method: "PUT", headers, body: bytes(html) });
      expect([400, 412]).toContain(refused.status);
      // No URL without If-None-Match or for other bytes can be had any more.
      expectError(await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "image/png", contentMd5: md5(html) }), 409, "invalid_state");
    });
    const got = await download(client, upload.id);
    expect(sha256(got.bytes)).toBe(sha256(PNG_1X1));
  });

  it("a second URL for other bytes of the same single upload is refused (409); the same bytes may be signed again", async () => {
    const data = Buffer.from("the real bytes");
    const { client, email, upload } = await signedSingle(data, { name: "a.txt", type: "text/plain" });
    await unchanged([email], async () => {
      const other = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5("other  bytes!!") });
      expectError(other, 409, "checksum_conflict", /already signed for other bytes/);
      expectError(await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain" }), 422, "invalid_input", /contentMd5 is required/);
    });
    const again = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
    expect(again.status).toBe(200);
  });

  it("a part's MD5 is pinned by its first signature: another one is refused, alone or in a batch", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const data = zipLike(20 * MiB);
    const upload = await reserve(client, { name: "big.zip", size: data.length, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    const part = (n: number, body: Buffer | string) => ({ method: "PUT", key: upload.key, uploadId, partNumber: n, contentMd5: md5(body) });
    expect((await sign(client, upload.id, part(1, data.subarray(0, 8 * MiB)))).status).toBe(200);
    await unchanged([email], async () => {
      expectError(await sign(client, upload.id, part(1, "something else")), 409, "checksum_conflict", /Part 1/);
      expectError(
        await sign(client, upload.id, { requests: [part(2, data.subarray(8 * MiB, 16 * MiB)), part(1, "something else")] }),
        409,
        "checksum_conflict",
        /Part 1/,
      );
      expectError(await sign(client, upload.id, { requests: [part(3, "a"), part(3, "b")] }), 409, "checksum_conflict", /Part 3/);
    });
  });

  it("parts listed out of order at completion: RGW assembles them in part order, so the object is the signed bytes and completion accepts it", async () => {
    const { client } = await signedInClient(APP_URL);
    const data = zipLike(24 * MiB); // three parts of exactly 8 MiB
    const upload = await reserve(client, { name: "shuffled.zip", size: data.length, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    const parts = [1, 2, 3].map((n) => data.subarray((n - 1) * 8 * MiB, n * 8 * MiB));
    const requests = parts.map((p, i) => ({ method: "PUT", key: upload.key, uploadId, partNumber: i + 1, contentMd5: md5(p) }));
    const { results } = (await sign(client, upload.id, { requests: [...requests, { method: "POST", key: upload.key, uploadId }] })).body;
    const etags: string[] = [];
    for (const [i, p] of parts.entries())
      etags.push((await fetch(results[i].url, { method: "PUT", headers: results[i].headers, body: bytes(p) })).headers.get("etag")!);
    const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etags[0]}</ETag></Part><Part><PartNumber>3</PartNumber><ETag>${etags[2]}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${etags[1]}</ETag></Part></CompleteMultipartUpload>`;
    expect((await fetch(results[3].url, { method: "POST", body: xml })).status).toBe(200);
    expect((await complete(client, upload.id)).status).toBe(200);
    expect(sha256((await download(client, upload.id)).bytes)).toBe(sha256(data));
  });
});

describe("bytes changed behind the app's back are never served", () => {
  it("an object replaced with the main key: owner and share downloads refuse it, and the file is quarantined", async () => {
    const { client, email, data, upload, file } = await victimFile();
    const share = await client.json("POST", `/api/files/${file.id}/shares`, {});
    const token = new URL(share.body.share.url).pathname.split("/").at(-1)!;
    const tampered = Buffer.alloc(data.length, 0x58);
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: upload.key, Body: tampered, ContentType: "text/plain" }));

    const viaShare = await new ApiClient(APP_URL).request(`/s/${token}/download`);
    expect(viaShare.status).toBe(409);
    expect(await viaShare.json()).toEqual({ error: { code: "integrity_failed", message: expect.stringMatching(/no longer the ones Valet verified/) } });
    expect(await uploadRow(upload.id)).toMatchObject({
      status: "QUARANTINED",
      rejectReason: expect.stringMatching(/Changed in storage after it was verified/),
    });
    expect(await auditActions(upload.id)).toContain("file.integrity_failed");
    await unchanged([email], async () => {
      expectError(await client.json("GET", `/api/files/${file.id}/download`), 404, "not_found");
      expect((await new ApiClient(APP_URL).request(`/s/${token}/download`)).status).toBe(410);
    });
    const { client: admin } = await adminClient();
    const listed = await admin.json("GET", `/api/admin/uploads?status=QUARANTINED&q=${upload.id}`);
    expect(listed.body.uploads).toEqual([expect.objectContaining({ id: upload.id, rejectReason: expect.stringMatching(/ETag/) })]);
  });

  it("metadata rewritten in place (same bytes, same ETag) cannot make browsers decode: downloads force the encoding and caching", async () => {
    const { client, data, upload } = await victimFile();
    await bucket.client.send(
      new CopyObjectCommand({
        Bucket: bucket.bucket,
        Key: upload.key,
        CopySource: `${bucket.bucket}/${upload.key}`,
        MetadataDirective: "REPLACE",
        ContentType: "text/plain",
        ContentEncoding: "gzip",
        CacheControl: "public, max-age=31536000",
      }),
    );
    const got = await download(client, upload.id);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-encoding")).toBe("identity");
    expect(got.headers.get("cache-control")).toBe("private, no-store");
    expect(sha256(got.bytes)).toBe(sha256(data));
  });
});

describe("metadata an uploader adds is verified, not trusted", () => {
  it.each([
    ["Content-Encoding", { "content-encoding": "gzip" }],
    ["x-amz-meta-*", { "x-amz-meta-note": "hi" }],
    ["Content-Disposition", { "content-disposition": "inline; filename=page.html" }],
    ["Content-Language", { "content-language": "de" }],
    ["Expires", { expires: "Wed, 21 Oct 2037 07:28:00 GMT" }],
    ["a website redirect", { "x-amz-website-redirect-location": "https://evil.example/" }],
    ["tags", { "x-amz-tagging": "keep=forever" }],
  ])("%s smuggled with the PUT: storage keeps it, completion rejects the upload and deletes the object", async (_, extra) => {
    const data = Buffer.from("plain words\n");
    const { client, email, upload, url, headers } = await signedSingle(data, { name: "a.txt", type: "text/plain" });
    expect((await fetch(url, { method: "PUT", headers: { ...headers, ...extra }, body: bytes(data) })).status).toBe(200);
    const res = await complete(client, upload.id);
    expectError(res, 422, "upload_rejected", /Unsigned metadata/);
    expect(res.body.error.message.toLowerCase()).toContain(Object.keys(extra)[0]!.replace("x-amz-tagging", "x-amz-tagging-count"));
    expect((await uploadRow(upload.id))?.status).toBe("REJECTED");
    expect(await bucket.headObject(upload.key)).toBeNull();
    await unchanged([email], async () => expectError(await client.json("GET", `/api/files/${upload.id}`), 404, "not_found"));
  });

  it("metadata smuggled with a multipart create is rejected at completion too", async () => {
    const { client } = await signedInClient(APP_URL);
    const data = zipLike(17 * MiB);
    const upload = await reserve(client, { name: "m.zip", size: data.length, type: "application/zip" });
    const created = (await sign(client, upload.id, { method: "POST", key: upload.key })).body;
    const xml = await (
      await fetch(created.url, { method: "POST", headers: { ...created.headers, "x-amz-meta-evil": "1", "content-encoding": "gzip" } })
    ).text();
    const uploadId = /<UploadId>([^<]+)/.exec(xml)![1]!;
    const parts = [data.subarray(0, 8 * MiB), data.subarray(8 * MiB, 16 * MiB), data.subarray(16 * MiB)];
    const { results } = (
      await sign(client, upload.id, {
        requests: [
          ...parts.map((p, i) => ({ method: "PUT", key: upload.key, uploadId, partNumber: i + 1, contentMd5: md5(p) })),
          { method: "POST", key: upload.key, uploadId },
        ],
      })
    ).body;
    const etags: string[] = [];
    for (const [i, p] of parts.entries())
      etags.push((await fetch(results[i].url, { method: "PUT", headers: results[i].headers, body: bytes(p) })).headers.get("etag")!);
    expect((await fetch(results[3].url, { method: "POST", body: completeMultipartXml(etags) })).status).toBe(200);
    expectError(await complete(client, upload.id), 422, "upload_rejected", /Unsigned metadata.*(content-encoding|x-amz-meta-evil)/i);
    expect(await bucket.headObject(upload.key)).toBeNull();
  });
});
