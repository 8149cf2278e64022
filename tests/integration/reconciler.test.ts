import { randomUUID } from "node:crypto";
import { CreateMultipartUploadCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import pg from "pg";
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import { reconcile } from "@/lib/server/reconciler";
import { MiB } from "@/lib/units";

import { waitUntil } from "../../scripts/lib/process";
import { signedInClient } from "../helpers/api-client";
import { complete, createMultipart, md5, reserve, sign, uploadFile } from "../helpers/valet-upload";
import { APP_URL, auditActions, bucket, sql, uploadKey, uploadRow } from "./context";

/** Makes a row look as if it was reserved long ago (and, optionally, has run out). */
async function age(uploadId: string, { expired = false } = {}) {
  await sql.query(
    `UPDATE "Upload" SET "createdAt" = now() - interval '2 minutes' ${expired ? `, "expiresAt" = now() - interval '1 minute'` : ""} WHERE id = $1`,
    [uploadId],
  );
}

async function landedWithoutCompletion(body: string, declaredSize = body.length) {
  const { client } = await signedInClient(APP_URL);
  const upload = await reserve(client, { name: "lost.txt", size: declaredSize, type: "text/plain" });
  const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(body) });
  if (declaredSize === body.length) {
    expect((await fetch(signed.body.url, { method: "PUT", headers: signed.body.headers, body })).status).toBe(200);
  } else {
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: upload.key, Body: body, ContentType: "text/plain" }));
  }
  await age(upload.id);
  return { client, upload };
}

/** A signed single PUT for `data` that has not been sent yet. */
async function signedSingle(data: Buffer, name: string) {
  const { client } = await signedInClient(APP_URL);
  const upload = await reserve(client, { name, size: data.length, type: "text/plain" });
  const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
  expect(signed.status).toBe(200);
  return { client, upload, url: signed.body.url as string, headers: signed.body.headers as Record<string, string> };
}

describe("reconciler (Ceph RGW + PostgreSQL)", () => {
  it("makes an upload READY when its completion call never came", async () => {
    const { client, upload } = await landedWithoutCompletion("bytes that landed");
    const report = await reconcile();
    expect(report.skipped).toBe(false);
    expect(report.recovered).toBeGreaterThanOrEqual(1);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
    expect((await client.json("GET", `/api/files/${upload.id}`)).status).toBe(200);
    expect(await auditActions(upload.id)).toContain("upload.completed");
    // Idempotent: a second run leaves it alone.
    await reconcile();
    expect((await uploadRow(upload.id))?.status).toBe("READY");
  });

  it("verifies what it recovers: a wrong size is REJECTED and deleted", async () => {
    const { upload } = await landedWithoutCompletion("short", 100);
    await reconcile();
    expect((await uploadRow(upload.id))?.status).toBe("REJECTED");
    expect(await bucket.headObject(upload.key)).toBeNull();
  });

  it("expires stale reservations and aborts their multipart uploads in storage", async () => {
    const { client } = await signedInClient(APP_URL);
    const upload = await reserve(client, { name: "stale.zip", size: 20 * MiB, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");
    expect((await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 1, contentMd5: md5("part 1") })).status).toBe(200);
    await age(upload.id, { expired: true });
    const report = await reconcile();
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect((await uploadRow(upload.id))?.status).toBe("EXPIRED");
    expect(await bucket.multipartUploadExists(upload.key, uploadId)).toBe(false);
    expect(await auditActions(upload.id)).toContain("upload.expired");
  });

  it("aborts multipart uploads that no live reservation owns", async () => {
    const key = `users/${randomUUID()}/${randomUUID()}/abandoned.bin`;
    const created = await bucket.client.send(new CreateMultipartUploadCommand({ Bucket: bucket.bucket, Key: key }));
    expect(await bucket.multipartUploadExists(key, created.UploadId!)).toBe(true);
    await reconcile();
    expect(await bucket.multipartUploadExists(key, created.UploadId!)).toBe(false);
  });

  it("reports orphaned objects, deletes them only with fix, and a dry run changes nothing", async () => {
    const key = `users/${randomUUID()}/${randomUUID()}/orphan.txt`;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: Buffer.from("nobody's") }));
    const { upload } = await landedWithoutCompletion("not yet recovered");

    const dry = await reconcile({ dryRun: true, fix: true });
    expect(dry.orphans).toContain(key);
    expect(dry.recovered).toBeGreaterThanOrEqual(1);
    expect(await bucket.headObject(key)).not.toBeNull();
    expect((await uploadRow(upload.id))?.status).toBe("PENDING");

    expect((await reconcile()).orphans).toContain(key);
    expect(await bucket.headObject(key)).not.toBeNull();
    const fixed = await reconcile({ fix: true });
    expect(fixed.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await bucket.headObject(key)).toBeNull();
  });

  it("runs on one instance at a time (PostgreSQL advisory lock)", async () => {
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(7411202613)");
      expect((await reconcile()).skipped).toBe(true);
    } finally {
      await holder.query("SELECT pg_advisory_unlock(7411202613)");
      await holder.end();
    }
    expect((await reconcile()).skipped).toBe(false);
  });
});

describe("dead rows clean their objects (reconciler)", () => {
  it("an object PUT after the upload was cancelled, through the URL the browser still held, is deleted by the next run", async () => {
    const data = Buffer.from("came back after the cancel\n");
    const { client, upload, url, headers } = await signedSingle(data, "late.txt");
    expect((await client.request(`/api/uploads/${upload.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(url, { method: "PUT", headers, body: data as unknown as BodyInit })).status).toBe(200);
    expect(await bucket.headObject(upload.key)).not.toBeNull();
    const report = await reconcile();
    expect(report.deadObjectsDeleted).toBeGreaterThanOrEqual(1);
    expect(await bucket.headObject(upload.key)).toBeNull();
    expect((await uploadRow(upload.id))?.status).toBe("ABORTED");
  });

  it("an object put back after its file was deleted is deleted by the next run", async () => {
    const data = Buffer.from("deleted, then put back\n");
    const { client, upload, url, headers } = await signedSingle(data, "back.txt");
    expect((await fetch(url, { method: "PUT", headers, body: data as unknown as BodyInit })).status).toBe(200);
    expect((await complete(client, upload.id)).status).toBe(200);
    expect((await client.request(`/api/files/${upload.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(url, { method: "PUT", headers, body: data as unknown as BodyInit })).status).toBe(200);
    await reconcile();
    expect(await bucket.headObject(upload.key)).toBeNull();
  });

  it("a run survives an object that answers an error, and settles the rest", async () => {
    // Written with the upload key and without the owner ACL: the main key gets 403 on HEAD.
    const broken = await signedSingle(Buffer.from("unreadable"), "b.txt");
    await uploadKey.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: broken.upload.key, Body: "unreadable", ContentType: "text/plain" }));
    const fine = await signedSingle(Buffer.from("recoverable"), "f.txt");
    expect((await fetch(fine.url, { method: "PUT", headers: fine.headers, body: "recoverable" })).status).toBe(200);
    await Promise.all([age(broken.upload.id), age(fine.upload.id)]);
    const report = await reconcile();
    expect(report.skipped).toBe(false);
    expect(report.errors).toBeGreaterThanOrEqual(1);
    expect((await uploadRow(fine.upload.id))?.status).toBe("READY");
    expect((await uploadRow(broken.upload.id))?.status).toBe("PENDING");
    const { rows } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE action = 'reconciler.run' ORDER BY id DESC LIMIT 1`);
    expect(rows[0].detail.errors).toBeGreaterThanOrEqual(1);
    // Cleaned up so that later runs in this suite see no error of ours.
    await bucket.deleteObject(broken.upload.key);
  });

  it("queues again the checksum and thumbnail jobs a READY picture lacks, but leaves a dead job to the admins", async () => {
    const { client } = await signedInClient(APP_URL);
    const picture = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 10, g: 120, b: 60 } } })
      .png()
      .toBuffer();
    const [lacking, dead] = await Promise.all(["lacking.png", "dead.png"].map((name) => uploadFile(client, picture, { name, type: "image/png" })));
    const ids = [lacking!.file.id, dead!.file.id];
    const results = async (id: string) =>
      (await sql.query<{ sha256: string | null; thumbnailKey: string | null }>(`SELECT sha256, "thumbnailKey" FROM "Upload" WHERE id = $1`, [id])).rows[0]!;
    const done = async (id: string) => {
      const row = await results(id);
      return row.sha256 !== null && row.thumbnailKey !== null;
    };
    await waitUntil("both pictures' jobs", async () => (await done(ids[0]!)) && (await done(ids[1]!)), 30_000);
    // As if the jobs had never run (a file from before they existed), settled 10 minutes ago…
    await sql.query(
      `UPDATE "Upload" SET sha256 = NULL, "thumbnailKey" = NULL, "completedAt" = (now() AT TIME ZONE 'UTC') - interval '10 minutes' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    // …and the second one's checksum job dead (every attempt used), waiting for an admin.
    await sql.query(
      `SELECT graphile_worker.permanently_fail_jobs(ARRAY[(graphile_worker.add_job('checksum', json_build_object('uploadId', $1::text),
         run_at := now() + interval '1 hour', max_attempts := 1, job_key := 'checksum:' || $1)).id], 'storage said no')`,
      [ids[1]],
    );
    const report = await reconcile();
    expect(report.jobsRequeued).toBeGreaterThanOrEqual(3);
    await waitUntil("the first picture's jobs, queued again", () => done(ids[0]!), 30_000);
    await waitUntil("the second picture's thumbnail", async () => (await results(ids[1]!)).thumbnailKey !== null, 30_000);
    expect((await results(ids[1]!)).sha256).toBeNull();
    const { rows } = await sql.query(`SELECT attempts, max_attempts, last_error FROM graphile_worker.jobs WHERE key = $1`, [`checksum:${ids[1]}`]);
    expect(rows).toEqual([{ attempts: 1, max_attempts: 1, last_error: "storage said no" }]);
    await sql.query(`SELECT graphile_worker.remove_job($1)`, [`checksum:${ids[1]}`]);
  }, 90_000);
});
