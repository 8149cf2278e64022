// On a versioned bucket, storage keeps every version and Ceph RGW 16 ignores If-None-Match there
// (a held URL or a key can add a version). Valet records the VersionId it verified and names it in
// every download URL, so what is served is always the verified version. An app instance of this
// file's own runs on a versioned bucket of its own.
import { createHash } from "node:crypto";
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createS3Storage } from "@/lib/server/storage/s3";

import { signedInClient } from "../helpers/api-client";
import { appInstance, type AppInstance } from "../helpers/app-instance";
import { complete, download, md5, reserve, sign } from "../helpers/valet-upload";
import { bucket as mainBucket, sql } from "./context";

const BUCKET = "valet-versioned";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const versioned = createS3Storage({
  endpoint: process.env.S3_ENDPOINT,
  region: "us-east-1",
  bucket: BUCKET,
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! },
});
let app: AppInstance;

beforeAll(async () => {
  await mainBucket.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await mainBucket.client.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }));
  app = await appInstance({ ...process.env, NODE_ENV: "production", S3_BUCKET: BUCKET, S3_SETUP_BUCKET: "true" });
  await app.start();
}, 90_000);

afterAll(async () => {
  await app?.stop();
});

describe("a versioned bucket", () => {
  it("downloads name the verified version: a later version written behind the app's back is never served", async () => {
    const { client } = await signedInClient(app.url);
    const data = Buffer.from("version one, verified\n");
    const upload = await reserve(client, { name: "v.txt", size: data.length, type: "text/plain" });
    const signed = (await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) })).body;
    expect((await fetch(signed.url, { method: "PUT", headers: signed.headers, body: data })).status).toBe(200);
    expect((await complete(client, upload.id)).status).toBe(200);
    const { rows } = await sql.query(`SELECT etag, "versionId" FROM "Upload" WHERE id = $1`, [upload.id]);
    expect(rows[0]).toEqual({ etag: createHash("md5").update(data).digest("hex"), versionId: expect.any(String) });

    // A new current version with other bytes of the same length, as a leaked main key could write.
    await versioned.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: upload.key, Body: Buffer.alloc(data.length, 0x58), ContentType: "text/plain" }));
    expect((await versioned.headObject(upload.key))?.versionId).not.toBe(rows[0].versionId);

    const got = await download(client, upload.id);
    expect(new URL(got.location).searchParams.get("versionId")).toBe(rows[0].versionId);
    expect(sha256(got.bytes)).toBe(sha256(data));
    expect((await sql.query(`SELECT status FROM "Upload" WHERE id = $1`, [upload.id])).rows[0].status).toBe("READY");

    // Deleting the file deletes the verified version itself, not just a delete marker over it.
    expect((await client.request(`/api/files/${upload.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await versioned.headObject(upload.key, rows[0].versionId)).toBeNull();
  });
});
