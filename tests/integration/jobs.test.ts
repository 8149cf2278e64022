// What the background jobs give a file (its SHA-256, a WebP thumbnail), every route that serves
// the thumbnail (owner, share link, admin) and the admin Jobs API, against the app, its worker
// process, PostgreSQL and Ceph RGW that `npm test` started.
import { createHash, randomUUID } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";

import type { AdminJobsDto, FileDto, ShareDto } from "@/lib/dto";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { expectError } from "../helpers/state";
import { uploadFile, waitForFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, auditActions, bucket, sql } from "./context";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** A picture with some detail in it (a gradient), so the encoder has real pixels to squeeze. */
async function gradient(width: number, height: number, format: "png" | "jpeg"): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  return format === "png" ? image.png().toBuffer() : image.jpeg({ quality: 80 }).toBuffer();
}

/** Follows a thumbnail route's 302 to storage and returns the WebP's bytes and sharp's view of them. */
async function fetchThumbnail(client: ApiClient, path: string) {
  const res = await client.request(path);
  expect(res.status, `${path} answered ${res.status}`).toBe(302);
  const location = new URL(res.headers.get("location")!);
  expect(location.searchParams.get("X-Amz-Expires")).toBe("60");
  const image = await fetch(location);
  expect(image.status).toBe(200);
  expect(image.headers.get("content-type")).toBe("image/webp");
  const data = Buffer.from(await image.arrayBuffer());
  return { location, data, meta: await sharp(data).metadata() };
}

const hasJobsDone = (f: FileDto) => f.thumbnail && f.sha256 !== null;

async function thumbnailNote(id: string): Promise<string | null> {
  const { rows } = await sql.query(`SELECT "thumbnailNote" FROM "Upload" WHERE id = $1`, [id]);
  return (rows[0] as { thumbnailNote: string | null }).thumbnailNote;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("checksum and thumbnail jobs", () => {
  it("give a PNG and a JPEG their SHA-256 and a WebP of at most 320 px with the same aspect ratio", async () => {
    const { client } = await signedInClient(APP_URL);
    const { client: stranger } = await signedInClient(APP_URL);
    for (const [name, type, width, height] of [
      ["landscape.png", "image/png", 1200, 800],
      ["portrait.jpg", "image/jpeg", 600, 900],
    ] as const) {
      const data = await gradient(width, height, type === "image/png" ? "png" : "jpeg");
      const { file } = await uploadFile(client, data, { name, type });
      const done = await waitForFile(client, file.id, hasJobsDone);
      expect(done.sha256).toBe(sha256(data));
      // The list says the same as the file.
      const listed = (await client.json<{ files: FileDto[] }>("GET", "/api/files")).body.files.find((f) => f.id === file.id);
      expect(listed).toMatchObject({ thumbnail: true, sha256: sha256(data) });

      const { location, meta } = await fetchThumbnail(client, `/api/files/${file.id}/thumbnail`);
      expect(location.pathname.endsWith(`/thumbnails/${file.id}.webp`)).toBe(true);
      expect(meta.format).toBe("webp");
      expect(Math.max(meta.width, meta.height)).toBe(320);
      expect(Math.abs(meta.width / meta.height - width / height)).toBeLessThan(0.01);
      expectError(await stranger.json("GET", `/api/files/${file.id}/thumbnail`), 404, "not_found");
    }
  });

  it("makes a GIF's thumbnail from its first frame", async () => {
    const { client } = await signedInClient(APP_URL);
    const frame = (r: number) =>
      sharp({ create: { width: 60, height: 40, channels: 3, background: { r, g: 0, b: 0 } } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame(255), await frame(0)], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const { file } = await uploadFile(client, gif, { name: "blink.gif", type: "image/gif" });
    await waitForFile(client, file.id, hasJobsDone);
    const { data, meta } = await fetchThumbnail(client, `/api/files/${file.id}/thumbnail`);
    // One frame (60×40, not enlarged), not the two stacked (60×80), and it is the red one.
    expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([60, 40, 1]);
    const { dominant } = await sharp(data).stats();
    expect(dominant.r).toBeGreaterThan(200);
  });

  it("gives a picture over THUMBNAIL_MAX_PIXELS a note instead of a thumbnail, and a non-image only its checksum", async () => {
    const { client } = await signedInClient(APP_URL);
    // 56 million pixels of one colour: a small PNG, over the default 50 million.
    const huge = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: "#3366cc" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    const { file: big } = await uploadFile(client, huge, { name: "huge.png", type: "image/png" });
    const text = Buffer.from("no pixels here\n");
    const { file: notes } = await uploadFile(client, text, { name: "notes.txt", type: "text/plain" });
    // Queued with the completion, in the same transaction: a picture gets a thumbnail job, text none.
    const { rows: queued } = await sql.query(`SELECT key FROM graphile_worker.jobs WHERE key = $1`, [`thumbnail:${notes.id}`]);
    expect(queued).toEqual([]);

    const note = await waitFor("the note", () => thumbnailNote(big.id));
    expect(note).toMatch(/56 million pixels, more than the 50 million/);
    const bigFile = await waitForFile(client, big.id, (f) => f.sha256 !== null);
    expect(bigFile).toMatchObject({ thumbnail: false, sha256: sha256(huge) });
    expectError(await client.json("GET", `/api/files/${big.id}/thumbnail`), 404, "not_found");

    const notesFile = await waitForFile(client, notes.id, (f) => f.sha256 !== null);
    expect(notesFile).toMatchObject({ thumbnail: false, sha256: sha256(text) });
    expect(await thumbnailNote(notes.id)).toBeNull();
  });

  it("bounds the memory a decode takes, not only the pixels: a small AVIF that would need too much gets a note", async () => {
    const { client } = await signedInClient(APP_URL);
    // 13 million RGBA pixels (under the pixel limit) in a few hundred bytes; libheif would need ~800 MiB for them.
    const bomb = await sharp({ create: { width: 3600, height: 3600, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
      .avif({ quality: 1, effort: 0 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(64 * 1024);
    const { file } = await uploadFile(client, bomb, { name: "bomb.avif", type: "image/avif" });
    const note = await waitFor("the note", () => thumbnailNote(file.id));
    expect(note).toMatch(/decoding this HEIF would take about .* of memory, more than the 191 MiB Valet allows/);
    // The same pixels as a PNG take a quarter of that: that one is decoded.
    const png = await sharp({ create: { width: 3600, height: 3600, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const { file: fine } = await uploadFile(client, png, { name: "fine.png", type: "image/png" });
    expect(await waitForFile(client, fine.id, (f) => f.thumbnail)).toMatchObject({ thumbnail: true });
  });

  it("deletes the thumbnail object with the file", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, await gradient(400, 300, "png"), { name: "gone.png", type: "image/png" });
    await waitForFile(client, file.id, hasJobsDone);
    const key = `thumbnails/${file.id}.webp`;
    expect(await bucket.headObject(key)).not.toBeNull();
    expect((await client.request(`/api/files/${file.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await bucket.headObject(key)).toBeNull();
    expectError(await client.json("GET", `/api/files/${file.id}/thumbnail`), 404, "not_found");
  });
});

describe("GET /s/:token/thumbnail", () => {
  it("serves the thumbnail while the link is live, without counting a download, and never behind a password", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, await gradient(640, 480, "png"), { name: "shared.png", type: "image/png" });
    await waitForFile(client, file.id, hasJobsDone);
    const share = async (body: Record<string, unknown> = {}) => {
      const res = await client.json("POST", `/api/files/${file.id}/shares`, body);
      expect(res.status).toBe(201);
      const created = res.body.share as { id: string; url: string };
      return { id: created.id, path: `${new URL(created.url).pathname}/thumbnail` };
    };
    const visitor = new ApiClient(APP_URL);
    const open = await share();
    const limited = await share({ maxDownloads: 1 });
    const locked = await share({ password: "open sesame 123" });

    for (const link of [open, limited]) {
      const { meta } = await fetchThumbnail(visitor, link.path);
      expect([meta.width, meta.height]).toEqual([320, 240]);
    }
    // Thumbnails are not downloads: the one-download link is still unused.
    const list = (await client.json<{ shares: ShareDto[] }>("GET", `/api/files/${file.id}/shares`)).body.shares;
    expect(list.find((l) => l.id === limited.id)).toMatchObject({ downloadCount: 0, status: "active" });
    expect(await auditActions(file.id)).toContain("share.thumbnail_signed");
    expect(await auditActions(file.id)).not.toContain("share.downloaded");

    expectError(await visitor.json("GET", locked.path), 404, "not_found");

    expect((await client.request(`/api/shares/${open.id}`, { method: "DELETE" })).status).toBe(204);
    expectError(await visitor.json("GET", open.path), 410, "link_revoked");
    await sql.query(`UPDATE "ShareLink" SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [limited.id]);
    expectError(await visitor.json("GET", limited.path), 410, "link_expired");
    expectError(await visitor.json("GET", `/s/${"x".repeat(43)}/thumbnail`), 404, "not_found");
  });
});

describe("GET /api/admin/files/:id/thumbnail", () => {
  it("shows an admin anyone's thumbnail, never a quarantined file's, and refuses everyone else", async () => {
    const { client } = await signedInClient(APP_URL);
    const { client: admin } = await adminClient();
    const { file } = await uploadFile(client, await gradient(300, 300, "png"), { name: "square.png", type: "image/png" });
    await waitForFile(client, file.id, hasJobsDone);
    const { meta } = await fetchThumbnail(admin, `/api/admin/files/${file.id}/thumbnail`);
    expect([meta.width, meta.height]).toEqual([300, 300]);
    const row = (await admin.json("GET", `/api/admin/uploads?q=${file.id}`)).body.uploads[0] as { id: string; thumbnail: boolean };
    expect(row).toMatchObject({ id: file.id, thumbnail: true });
    expectError(await client.json("GET", `/api/admin/files/${file.id}/thumbnail`), 403, "forbidden");

    await sql.query(`UPDATE "Upload" SET status = 'QUARANTINED' WHERE id = $1`, [file.id]);
    expectError(await admin.json("GET", `/api/admin/files/${file.id}/thumbnail`), 404, "not_found");
    expectError(await client.json("GET", `/api/files/${file.id}/thumbnail`), 404, "not_found");
    expect((await admin.json("GET", `/api/admin/uploads?q=${file.id}`)).body.uploads[0]).toMatchObject({ thumbnail: false });
  });
});

describe("admin Jobs API", () => {
  it("lists a dead job with its error and file; retry puts it back with its attempts reset and it runs again; delete drops one", async () => {
    const { client } = await signedInClient(APP_URL);
    const { client: admin } = await adminClient();
    const data = Buffer.from(`checksum me ${randomUUID()}\n`);
    const { file } = await uploadFile(client, data, { name: "lost.txt", type: "text/plain" });
    await waitForFile(client, file.id, (f) => f.sha256 !== null);
    // The object vanishes behind the app's back; two one-attempt checksum jobs fail on it and die.
    const { rows } = await sql.query(`SELECT key FROM "Upload" WHERE id = $1`, [file.id]);
    const objectKey = (rows[0] as { key: string }).key;
    await bucket.deleteObject(objectKey);
    await sql.query(`UPDATE "Upload" SET sha256 = NULL WHERE id = $1`, [file.id]);
    const addDoomed = async () => {
      const { rows: added } = await sql.query(
        `SELECT (graphile_worker.add_job('checksum', json_build_object('uploadId', $1::text), max_attempts := 1)).id::text AS id`,
        [file.id],
      );
      return (added[0] as { id: string }).id;
    };
    const [first, second] = [await addDoomed(), await addDoomed()];

    const deadOf = (body: AdminJobsDto) => new Map(body.deadJobs.map((j) => [j.id, j]));
    const overview = await waitFor("both jobs to die", async () => {
      const res = await admin.json<AdminJobsDto>("GET", "/api/admin/jobs");
      expect(res.status).toBe(200);
      const dead = deadOf(res.body);
      // (The counts and the list are read side by side: wait until both have seen the second death.)
      const deadCount = res.body.queues.find((q) => q.task === "checksum")?.dead ?? 0;
      return dead.has(first) && dead.has(second) && deadCount >= 2 ? res.body : null;
    });
    const job = deadOf(overview).get(first)!;
    expect(job).toMatchObject({ task: "checksum", attempts: 1, maxAttempts: 1, file: { id: file.id, name: "lost.txt", status: "READY" } });
    expect(job.lastError).toMatch(/is missing from storage/);
    expect(overview.queues.find((q) => q.task === "checksum")!.dead).toBeGreaterThanOrEqual(2);
    const lastHour = overview.lastHour.find((h) => h.task === "checksum")!;
    expect(lastHour.failures).toBeGreaterThanOrEqual(2);
    expect(lastHour.runs).toBeGreaterThan(lastHour.failures);
    expect(lastHour.latencyP95Ms).toBeGreaterThanOrEqual(lastHour.latencyP50Ms);
    expect(lastHour.runTimeP50Ms).toBeGreaterThanOrEqual(0);
    // The worker process that `npm test` started, alive.
    expect(overview.workers.some((w) => !w.isSilent && w.concurrency > 0)).toBe(true);

    // Not for anyone else.
    expectError(await client.json("GET", "/api/admin/jobs"), 403, "forbidden");
    expectError(await client.json("POST", `/api/admin/jobs/${first}/retry`), 403, "forbidden");
    expectError(await client.json("DELETE", `/api/admin/jobs/${second}`), 403, "forbidden");
    expect((await new ApiClient(APP_URL).json("GET", "/api/admin/jobs")).status).toBe(401);

    // Delete one: gone from the list and the queue, audited.
    expect((await admin.request(`/api/admin/jobs/${second}`, { method: "DELETE" })).status).toBe(204);
    expect(deadOf((await admin.json<AdminJobsDto>("GET", "/api/admin/jobs")).body).has(second)).toBe(false);
    expectError(await admin.json("DELETE", `/api/admin/jobs/${second}`), 404, "not_found");

    // The object comes back (same bytes, same ETag); retry: the job runs again and succeeds.
    await bucket.putObject(objectKey, data, "text/plain");
    const retried = await admin.json("POST", `/api/admin/jobs/${first}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual({ job: { id: first } });
    const done = await waitForFile(client, file.id, (f) => f.sha256 !== null);
    expect(done.sha256).toBe(sha256(data));
    expect(deadOf((await admin.json<AdminJobsDto>("GET", "/api/admin/jobs")).body).has(first)).toBe(false);
    // Its run after the retry was attempt 1 again, and it succeeded.
    const { rows: runs } = await sql.query(`SELECT ok, attempt FROM "JobRun" WHERE "jobId" = $1 ORDER BY id`, [first]);
    expect(runs).toEqual([
      { ok: false, attempt: 1 },
      { ok: true, attempt: 1 },
    ]);
    const { rows: audited } = await sql.query(`SELECT action, detail->>'jobId' AS "jobId" FROM "AuditEvent" WHERE detail->>'jobId' IN ($1, $2) ORDER BY id`, [
      first,
      second,
    ]);
    expect(audited).toEqual([
      { action: "job.deleted", jobId: second },
      { action: "job.retried", jobId: first },
    ]);

    // Only dead jobs: a finished one is 404, one that is still waiting is 409; a malformed id names nothing.
    expectError(await admin.json("POST", `/api/admin/jobs/${first}/retry`), 404, "not_found");
    const { rows: later } = await sql.query(
      `SELECT (graphile_worker.add_job('checksum', json_build_object('uploadId', $1::text), run_at := now() + interval '1 hour')).id::text AS id`,
      [file.id],
    );
    const waiting = (later[0] as { id: string }).id;
    try {
      expectError(await admin.json("POST", `/api/admin/jobs/${waiting}/retry`), 409, "invalid_state");
    } finally {
      await sql.query(`SELECT graphile_worker.complete_jobs(ARRAY[$1::bigint])`, [waiting]);
    }
    expectError(await admin.json("POST", "/api/admin/jobs/not-a-number/retry"), 404, "not_found");
  });
});
