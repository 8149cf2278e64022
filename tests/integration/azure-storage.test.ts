// Azure Blob Storage (Azurite) behind Valet: what a SAS lets a browser do and what it does not,
// what Azure cannot refuse that S3 can, and how completion catches it. The flow itself runs on
// both backends in upload-flow.test.ts.
import { describe, expect, it } from "vitest";

import { blockId } from "@/lib/server/storage/azure";
import { MiB } from "@/lib/units";

import { signedInClient } from "../helpers/api-client";
import { mp4Like } from "../helpers/fixtures";
import { complete, download, md5, reserve, sign, uploadFile } from "../helpers/valet-upload";
import { azure } from "./context";

const PART = 8 * MiB;

/** Sends a request to storage and answers its status and Azure's error code. */
async function storageSays(url: string, init: RequestInit = {}): Promise<{ status: number; code: string | null }> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return { status: res.status, code: res.headers.get("x-ms-error-code") };
}

/** Node's fetch takes a Buffer; the DOM typings in tsconfig don't know that. */
const body = (b: Buffer) => b as unknown as BodyInit;

describe.skipIf(!azure)("Azure Blob Storage: SAS scoped like a valet key (refusals enforced by Azurite)", () => {
  const { backend, blobs } = azure!;
  const APP_URL = backend.appUrl;

  async function signedSingle(data: Buffer, name = "a.txt") {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name, size: data.length, type: "text/plain" });
    const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
    expect(signed.status).toBe(200);
    return { client, upload, url: signed.body.url as string, headers: signed.body.headers as Record<string, string> };
  }

  it("signs Put Blob as create+write on one blob, with the headers write-once and Content-MD5 need", async () => {
    const data = Buffer.from("hello azure\n");
    const { url, headers, upload } = await signedSingle(data);
    const u = new URL(url);
    expect(u.pathname).toBe(`/devstoreaccount1/valet-test/${upload.key.split("/").map(encodeURIComponent).join("/")}`);
    expect(u.searchParams.get("sp")).toBe("cw");
    expect(u.searchParams.get("sr")).toBe("b");
    // Azurite speaks http; on an https endpoint the SAS is spr=https.
    expect(u.searchParams.get("spr")).toBe("https,http");
    expect(headers).toEqual({ "x-ms-blob-type": "BlockBlob", "x-ms-blob-content-type": "text/plain", "content-md5": md5(data), "if-none-match": "*" });
  });

  it("refuses a tampered signature, an expired SAS, a SAS for blob A used on blob B", async () => {
    const data = Buffer.from("valet key\n");
    const { url, headers, upload } = await signedSingle(data);
    const sig = new URL(url).searchParams.get("sig")!;
    const tampered = url.replace(encodeURIComponent(sig), encodeURIComponent(`${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`));
    expect(await storageSays(tampered, { method: "PUT", headers, body: body(data) })).toEqual({ status: 403, code: "AuthorizationFailure" });

    const expired = await blobs.presign(
      { op: "putObject", key: upload.key, contentType: "text/plain", contentLength: data.length, contentMd5: md5(data) },
      60,
      new Date(Date.now() - 3600_000),
    );
    expect(await storageSays(expired.url, { method: "PUT", headers: expired.headers, body: body(data) })).toEqual({
      status: 403,
      code: "AuthorizationFailure",
    });

    const other = await signedSingle(data, "b.txt");
    const onB = url.replace(new URL(url).pathname, new URL(other.url).pathname);
    expect(await storageSays(onB, { method: "PUT", headers, body: body(data) })).toEqual({ status: 403, code: "AuthorizationFailure" });
    expect(await blobs.headObject(upload.key)).toBeNull();
    expect(await blobs.headObject(other.upload.key)).toBeNull();
  });

  it("an upload SAS cannot read, delete or list; a download SAS cannot write, delete or list", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file, upload } = await uploadFile(client, Buffer.from("only verified bytes\n"), { name: "v.txt", type: "text/plain" });
    // A fresh upload SAS for the same blob (another reservation's would be scoped elsewhere): sign with the app's signer.
    const uploadSas = (await blobs.presign({ op: "putObject", key: upload.key, contentType: "text/plain", contentLength: 1, contentMd5: md5("x") }, 60)).url;
    const containerOf = (url: string) => url.replace(new URL(url).pathname, "/devstoreaccount1/valet-test").replace("?", "?restype=container&comp=list&");
    expect(await storageSays(uploadSas)).toEqual({ status: 403, code: "AuthorizationPermissionMismatch" });
    expect(await storageSays(uploadSas, { method: "DELETE" })).toEqual({ status: 403, code: "AuthorizationPermissionMismatch" });
    expect(await storageSays(containerOf(uploadSas))).toEqual({ status: 403, code: "AuthorizationFailure" });

    const got = await download(client, file.id);
    expect(got.status).toBe(200);
    const readSas = new URL(got.location);
    expect(readSas.searchParams.get("sp")).toBe("r");
    expect(readSas.searchParams.get("rsct")).toBe("text/plain");
    expect(readSas.searchParams.get("rscd")).toMatch(/^attachment; filename="v.txt"/);
    expect(got.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(got.headers.get("cache-control")).toBe("private, no-store");
    const put = { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "overwritten" };
    expect(await storageSays(got.location, put)).toEqual({ status: 403, code: "AuthorizationPermissionMismatch" });
    expect(await storageSays(got.location, { method: "DELETE" })).toEqual({ status: 403, code: "AuthorizationPermissionMismatch" });
    expect(await storageSays(containerOf(got.location))).toEqual({ status: 403, code: "AuthorizationFailure" });
    expect((await download(client, file.id)).bytes.toString()).toBe("only verified bytes\n");
  });

  it("write-once: a second Put Blob through the same SAS gets 409 BlobAlreadyExists, and completion verifies what landed", async () => {
    const data = Buffer.from("once\n");
    const { client, upload, url, headers } = await signedSingle(data);
    expect((await fetch(url, { method: "PUT", headers, body: body(data) })).status).toBe(201);
    expect(await storageSays(url, { method: "PUT", headers, body: body(data) })).toEqual({ status: 409, code: "BlobAlreadyExists" });
    expect((await complete(client, upload.id)).status).toBe(200);
  });

  it("snapshots and an infinite lease taken through the upload SAS do not keep the owner from deleting the file", async () => {
    const data = Buffer.from("kept forever?\n");
    const { client, upload, url, headers } = await signedSingle(data);
    expect((await fetch(url, { method: "PUT", headers, body: body(data) })).status).toBe(201);
    expect((await complete(client, upload.id)).status).toBe(200);
    // What the SAS's write permission also allows (the outside review found both).
    expect((await storageSays(`${url}&comp=snapshot`, { method: "PUT" })).status).toBe(201);
    const lease = await storageSays(`${url}&comp=lease`, { method: "PUT", headers: { "x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1" } });
    expect(lease.status).toBe(201);
    const deleted = await client.request(`/api/files/${upload.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect(await blobs.headObject(upload.key)).toBeNull();
    const left: string[] = [];
    for await (const item of blobs.container.listBlobsFlat({ prefix: upload.key, includeSnapshots: true })) left.push(item.name);
    expect(left).toEqual([]);
  });
});

describe.skipIf(!azure)("Azure Blob Storage: what a SAS does not bind, and how completion covers it", () => {
  const { backend, blobs } = azure!;
  const APP_URL = backend.appUrl;

  /** A 3-block reservation (17 MiB) and a signer for its blocks. */
  async function blockUpload() {
    const { client } = await signedInClient(APP_URL);
    const data = mp4Like(17 * MiB);
    const upload = await reserve(client, { name: "video.mp4", size: data.length, type: "video/mp4" });
    expect(upload.strategy).toBe("blocks");
    const part = (n: number) => data.subarray((n - 1) * PART, Math.min(n * PART, data.length));
    const signBlock = async (n: number) => {
      const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, partNumber: n, contentMd5: md5(part(n)) });
      expect(signed.status).toBe(200);
      return signed.body as { url: string; headers: Record<string, string> };
    };
    const sendBlock = async (n: number, bytes = part(n), headers?: Record<string, string>) => {
      const signed = await signBlock(n);
      return storageSays(signed.url, { method: "PUT", headers: headers ?? signed.headers, body: body(bytes) });
    };
    return { client, upload, data, part, signBlock, sendBlock };
  }

  it("signs each block with its id from the part number and its Content-MD5; Azure refuses a block whose bytes do not match it", async () => {
    const { signBlock, part } = await blockUpload();
    const signed = await signBlock(2);
    const u = new URL(signed.url);
    expect(u.searchParams.get("comp")).toBe("block");
    expect(u.searchParams.get("blockid")).toBe(blockId(2));
    expect(u.searchParams.get("sp")).toBe("cw");
    expect(signed.headers).toEqual({ "content-md5": md5(part(2)) });
    // Azure verifies Content-MD5 against the body (Azurite: 400 InvalidOperation; Azure: 400 Md5Mismatch).
    const wrong = await storageSays(signed.url, { method: "PUT", headers: signed.headers, body: body(part(1)) });
    expect(wrong.status).toBe(400);
  });

  it("refuses other operations on a block upload: create, list, complete, abort, or a part with an uploadId", async () => {
    const { client, upload } = await blockUpload();
    for (const request of [
      { method: "POST", key: upload.key },
      { method: "GET", key: upload.key },
      { method: "DELETE", key: upload.key },
      { method: "PUT", key: upload.key, uploadId: "x", partNumber: 1, contentMd5: md5("p") },
      { method: "PUT", key: upload.key, contentMd5: md5("p") },
    ]) {
      const res = await sign(client, upload.id, request);
      expect(res.status, JSON.stringify(request)).toBe(403);
      expect(res.body.error.code).toBe("operation_not_allowed");
    }
    const outside = await sign(client, upload.id, { method: "PUT", key: upload.key, partNumber: 4, contentMd5: md5("p") });
    expect(outside.status).toBe(422);
  });

  it("an uncommitted blob never becomes READY: completion answers 409 until every block is there, and nothing is served", async () => {
    const { client, upload, sendBlock } = await blockUpload();
    expect((await sendBlock(1)).status).toBe(201);
    expect((await sendBlock(2)).status).toBe(201);
    const early = await complete(client, upload.id);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("not_uploaded");
    expect(early.body.error.message).toContain("1 of 3 blocks");
    expect(await blobs.headObject(upload.key)).toBeNull();
    expect((await backend.uploadRow(upload.id))?.status).toBe("PENDING");
    expect((await client.request(`/api/files/${upload.id}/download`)).status).toBe(404);
    // A reloaded page asks which blocks storage holds, and sends only the rest.
    const staged = await client.json("GET", `/api/uploads/${upload.id}/blocks`);
    expect(staged).toMatchObject({ status: 200, body: { parts: [1, 2] } });
    // Uncommitted blocks are what the reconciler sees (and drops for dead reservations).
    expect((await blobs.listMultipartUploads("users/")).map((u) => u.key)).toContain(upload.key);

    expect((await sendBlock(3)).status).toBe(201);
    const done = await complete(client, upload.id);
    expect(done.status).toBe(200);
    expect((await blobs.headObject(upload.key))?.contentType).toBe("video/mp4");
  });

  it("a block list the reservation does not allow is refused by the app: a block it never signed", async () => {
    const { client, upload, sendBlock, signBlock, part } = await blockUpload();
    for (const n of [1, 2, 3]) expect((await sendBlock(n)).status).toBe(201);
    // The block id is not part of the signature: a block SAS can stage a block under any id.
    const signed = await signBlock(1);
    const stranger = signed.url.replace(encodeURIComponent(blockId(1)), encodeURIComponent(blockId(9)));
    expect((await storageSays(stranger, { method: "PUT", headers: signed.headers, body: body(part(1)) })).status).toBe(201);
    const res = await complete(client, upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("upload_rejected");
    expect(res.body.error.message).toContain("never signed");
    expect(await blobs.headObject(upload.key)).toBeNull();
    expect((await backend.uploadRow(upload.id))?.status).toBe("REJECTED");
    // Its blocks are dropped with it, not left for Azure's week.
    expect((await blobs.listMultipartUploads("users/")).map((u) => u.key)).not.toContain(upload.key);
  });

  it("a block of another size (Azure does not bind the length) is refused by the app before anything is committed", async () => {
    const { client, upload, sendBlock, part } = await blockUpload();
    const short = part(2).subarray(0, 1000);
    // The browser drops the signed Content-MD5 (a SAS binds no header): Azure stores the block.
    expect((await sendBlock(2, short, {})).status).toBe(201);
    expect((await sendBlock(1)).status).toBe(201);
    expect((await sendBlock(3)).status).toBe(201);
    const res = await complete(client, upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("block 2 holds 1000 bytes");
    expect((await backend.uploadRow(upload.id))?.status).toBe("REJECTED");
  });

  it("other bytes of the right size in a block are caught when completion reads the blob", async () => {
    const { client, upload, sendBlock, part } = await blockUpload();
    expect((await sendBlock(1)).status).toBe(201);
    expect((await sendBlock(2, Buffer.alloc(part(2).length, 7), {})).status).toBe(201);
    expect((await sendBlock(3)).status).toBe(201);
    const res = await complete(client, upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("block(s) 2");
    expect(await blobs.headObject(upload.key)).toBeNull();
  });

  it("a block list committed by the browser itself (a SAS with write can) is judged by its bytes: out of order is rejected", async () => {
    const { client, upload, sendBlock, signBlock } = await blockUpload();
    for (const n of [1, 2, 3]) expect((await sendBlock(n)).status).toBe(201);
    const signed = await signBlock(1);
    const commitUrl = signed.url.replace(/comp=block&blockid=[^&]+/, "comp=blocklist");
    const xml = `<?xml version="1.0" encoding="utf-8"?><BlockList>${[2, 1, 3].map((n) => `<Latest>${blockId(n)}</Latest>`).join("")}</BlockList>`;
    expect((await storageSays(commitUrl, { method: "PUT", headers: { "x-ms-blob-content-type": "video/mp4" }, body: xml })).status).toBe(201);
    const res = await complete(client, upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("upload_rejected");
    expect(res.body.error.message).toContain("Content mismatch");
  });

  it("a Put Blob over a verified file (If-None-Match dropped: a SAS binds no header) is never served: the ETag changed", async () => {
    const data = Buffer.from("verified\n");
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "w.txt", size: data.length, type: "text/plain" });
    const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
    const headers = signed.body.headers as Record<string, string>;
    expect((await fetch(signed.body.url, { method: "PUT", headers, body: body(data) })).status).toBe(201);
    expect((await complete(client, upload.id)).status).toBe(200);
    const swapped = Buffer.from("swapped!\n");
    const overwrite = await storageSays(signed.body.url, {
      method: "PUT",
      headers: { "x-ms-blob-type": "BlockBlob", "x-ms-blob-content-type": "text/plain" },
      body: body(swapped),
    });
    expect(overwrite.status).toBe(201);
    const res = await client.json("GET", `/api/files/${upload.id}/download`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("integrity_failed");
    expect((await backend.uploadRow(upload.id))?.status).toBe("QUARANTINED");
  });

  it("cancelling a block upload drops its uncommitted blocks", async () => {
    const { client, upload, sendBlock } = await blockUpload();
    expect((await sendBlock(1)).status).toBe(201);
    expect((await client.request(`/api/uploads/${upload.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await blobs.listMultipartUploads("users/")).map((u) => u.key)).not.toContain(upload.key);
    expect(await blobs.headObject(upload.key)).toBeNull();
    expect((await backend.uploadRow(upload.id))?.status).toBe("ABORTED");
  });
});

describe.skipIf(!azure)("Azure Blob Storage: the reconciler", () => {
  const { backend, blobs, sql } = azure!;
  const APP_URL = backend.appUrl;

  it("verifies a lost completion (a Put Blob, and blocks it commits), expires a dead block upload and drops its blocks, reports an orphan blob", async () => {
    // This file's process reconciles the Azure instance's database and container.
    process.env.STORAGE = "azure";
    process.env.DATABASE_URL = process.env.VALET_TEST_AZURE_DATABASE_URL;
    const { reconcile } = await import("@/lib/server/reconciler");
    const age = (id: string, expired: boolean) =>
      sql.query(
        `UPDATE "Upload" SET "createdAt" = now() - interval '2 minutes' ${expired ? `, "expiresAt" = now() - interval '1 minute'` : ""} WHERE id = $1`,
        [id],
      );
    const { client } = await signedInClient(APP_URL);

    const data = Buffer.from("landed, completion lost\n");
    const lost = await reserve(client, { name: "lost.txt", size: data.length, type: "text/plain" });
    const signed = await sign(client, lost.id, { method: "PUT", key: lost.key, contentType: "text/plain", contentMd5: md5(data) });
    expect((await fetch(signed.body.url, { method: "PUT", headers: signed.body.headers, body: body(data) })).status).toBe(201);
    await age(lost.id, false);

    const blocks = await reserve(client, { name: "dead.mp4", size: 17 * MiB, type: "video/mp4" });
    const first = mp4Like(17 * MiB).subarray(0, PART);
    const block = await sign(client, blocks.id, { method: "PUT", key: blocks.key, partNumber: 1, contentMd5: md5(first) });
    expect((await storageSays(block.body.url, { method: "PUT", headers: block.body.headers, body: body(first) })).status).toBe(201);
    await age(blocks.id, true);

    // Every block is in storage, the completion call never came: the reconciler commits and verifies.
    const video = mp4Like(17 * MiB);
    const staged = await reserve(client, { name: "staged.mp4", size: video.length, type: "video/mp4" });
    for (const n of [1, 2, 3]) {
      const part = video.subarray((n - 1) * PART, Math.min(n * PART, video.length));
      const signedBlock = await sign(client, staged.id, { method: "PUT", key: staged.key, partNumber: n, contentMd5: md5(part) });
      expect((await storageSays(signedBlock.body.url, { method: "PUT", headers: signedBlock.body.headers, body: body(part) })).status).toBe(201);
    }
    await age(staged.id, false);

    const orphan = `users/${crypto.randomUUID()}/${crypto.randomUUID()}/orphan.txt`;
    await backend.putBehind(orphan, Buffer.from("nobody's"), "text/plain");

    const report = await reconcile();
    expect(report.skipped).toBe(false);
    expect(report.errors).toBe(0);
    expect(report.recovered).toBeGreaterThanOrEqual(2);
    expect((await backend.uploadRow(staged.id))?.status).toBe("READY");
    expect((await blobs.headObject(staged.key))?.size).toBe(video.length);
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(report.orphans).toContain(orphan);
    expect((await backend.uploadRow(lost.id))?.status).toBe("READY");
    expect((await backend.uploadRow(blocks.id))?.status).toBe("EXPIRED");
    expect((await blobs.listMultipartUploads("users/")).map((u) => u.key)).not.toContain(blocks.key);
    expect(await blobs.headObject(orphan)).not.toBeNull();

    const fixed = await reconcile({ fix: true });
    expect(fixed.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await blobs.headObject(orphan)).toBeNull();
  });
});
