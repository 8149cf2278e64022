// The job queue's guarantees, with real processes: every job done exactly once by whichever of the
// workers (two app instances and a separate `npm run worker`) takes it; a worker killed mid-job
// (SIGKILL: no chance to hand the job back) leaves it to be retried and finished by another.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import net from "node:net";
import path from "node:path";
import pg from "pg";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";

import { freePort, stopChild, waitUntil } from "../../scripts/lib/process";
import { createDatabase } from "../../scripts/lib/services";
import { signedInClient } from "../helpers/api-client";
import { uploadFile } from "../helpers/valet-upload";
import { APP_URL, APP_URL_2, bucket, sql } from "./context";

const ROOT = path.resolve(__dirname, "../..");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function png(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 64 + seed, height: 48, channels: 3, background: { r: seed % 256, g: 80, b: 160 } } })
    .png()
    .toBuffer();
}

describe("job workers", () => {
  it("two app instances and a separate worker process run each job exactly once", async () => {
    const { client } = await signedInClient(APP_URL);
    const { client: other } = await signedInClient(APP_URL_2);
    const images = await Promise.all(Array.from({ length: 16 }, (_, i) => png(i)));
    // Four at a time: the jobs of the first are running while the last are uploaded.
    const ids: string[] = [];
    for (let i = 0; i < images.length; i += 4) {
      const batch = images.slice(i, i + 4).map((data, j) => uploadFile((i + j) % 2 ? client : other, data, { name: `photo-${i + j}.png`, type: "image/png" }));
      ids.push(...(await Promise.all(batch)).map((f) => f.file.id));
    }

    // Every file gets its checksum and its thumbnail.
    await waitUntil(
      "checksums and thumbnails of 16 images",
      async () => {
        const { rows } = await sql.query(
          `SELECT count(*)::int AS n FROM "Upload" WHERE id = ANY($1::uuid[]) AND sha256 IS NOT NULL AND "thumbnailKey" IS NOT NULL`,
          [ids],
        );
        return rows[0].n === ids.length;
      },
      60_000,
    );
    const { rows: uploads } = await sql.query<{ id: string; sha256: string }>(`SELECT id, sha256 FROM "Upload" WHERE id = ANY($1::uuid[])`, [ids]);
    for (const u of uploads) expect(u.sha256).toBe(sha256(images[ids.indexOf(u.id)]!));

    // One successful run per job, none failed, and no job left behind.
    const keys = ids.flatMap((id) => [`checksum:${id}`, `thumbnail:${id}`]);
    const { rows: runs } = await sql.query<{ jobId: string; key: string; ok: boolean; workerId: string }>(
      `SELECT r."jobId", r.key, r.ok, r."workerId" FROM "JobRun" r WHERE r.key = ANY($1::text[])`,
      [keys],
    );
    const { rows: left } = await sql.query(`SELECT key FROM graphile_worker.jobs WHERE key = ANY($1::text[])`, [keys]);
    expect(left).toEqual([]);
    const ours = runs.filter((r) => r.ok);
    expect(runs.filter((r) => !r.ok)).toEqual([]);
    // Each of the 32 jobs ran once: one run per key, and as many runs as jobs.
    expect(new Set(ours.map((r) => r.key)).size).toBe(keys.length);
    expect(ours.length).toBe(keys.length);

    // The work was spread over more than one process (three are running: two apps and a worker).
    const { rows: processes } = await sql.query<{ id: string; workerIds: string[] }>(`SELECT id, "workerIds" FROM "WorkerProcess"`);
    expect(processes.length).toBeGreaterThanOrEqual(3);
    const processOf = (workerId: string) => processes.find((p) => p.workerIds.includes(workerId))?.id;
    const busy = new Set(ours.map((r) => processOf(r.workerId)));
    expect(busy.size).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

/**
 * A TCP proxy to storage that can stall: once `stall()` is called, each response it relays stops
 * after `afterBytes` bytes, so a worker reading an object is caught in the middle of it.
 */
async function stallingProxy(target: URL, afterBytes: number) {
  let stalling = false;
  let stalled: () => void = () => undefined;
  const stalledOnce = new Promise<void>((resolve) => (stalled = resolve));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let relayed = 0;
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (!stalling) return void client.write(chunk);
      const room = afterBytes - relayed;
      if (room > 0) client.write(chunk.subarray(0, room));
      relayed += chunk.length;
      if (relayed >= afterBytes) {
        upstream.pause();
        stalled();
      }
    });
    for (const s of [client, upstream]) s.on("error", () => undefined);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stall: () => (stalling = true),
    stalledOnce,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("a worker killed in the middle of a job", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  function startWorker(env: Record<string, string | undefined>): ChildProcess {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/worker.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env, WORKER_CONCURRENCY: "1", LOG_LEVEL: "warn", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    cleanups.push(() => stopChild(child));
    return child;
  }

  it("leaves the job to be retried, and another worker finishes it", async () => {
    // A database of its own, so that only the workers this test starts can take its job.
    const database = await createDatabase("valet_jobs");
    cleanups.push(database.stop);
    const db = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => db.end());
    const proxy = await stallingProxy(new URL(process.env.S3_ENDPOINT!), 256 * 1024);
    cleanups.push(proxy.close);

    // A READY file of 4 MiB in the bucket (outside users/, where no reconciler looks).
    const data = Buffer.alloc(4 * 1024 * 1024, 7);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
    const userId = randomUUID();
    const uploadId = randomUUID();
    const key = `job-tests/${uploadId}.bin`;
    await bucket.putObject(key, data, "application/octet-stream");
    cleanups.push(() => bucket.deleteObject(key));
    await db.query(`INSERT INTO "User" (id, email) VALUES ($1, $2)`, [userId, `${userId}@example.test`]);
    await db.query(
      `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "completedAt")
       VALUES ($1, $2, $3, 'big.bin', $4, 'application/octet-stream', 'SINGLE', $4, 1, 'READY', now(), now())`,
      [uploadId, userId, key, data.length],
    );
    await db.query(`SELECT graphile_worker.add_job('checksum', json_build_object('uploadId', $1::text), max_attempts := 3, job_key := 'checksum:' || $1)`, [
      uploadId,
    ]);

    // The first worker reads storage through the proxy, which stalls the object mid-way: it is in the middle of the job.
    proxy.stall();
    const env = { DATABASE_URL: database.url, WORKER_STALE_AFTER_SECONDS: "3", S3_ENDPOINT: proxy.url, STORAGE_PROBE_INTERVAL_SECONDS: "3600" };
    const first = startWorker(env);
    await proxy.stalledOnce;
    const held = await db.query<{ locked_by: string; attempts: number }>(`SELECT locked_by, attempts FROM graphile_worker.jobs WHERE key = $1`, [
      `checksum:${uploadId}`,
    ]);
    expect(held.rows[0]).toMatchObject({ attempts: 1 });
    expect(held.rows[0]!.locked_by).toBeTruthy();
    // tsx runs the worker in a child process: the whole group goes.
    const exited = new Promise((resolve) => first.once("exit", resolve));
    process.kill(-first.pid!, "SIGKILL");
    await exited;

    // A second worker, straight to storage, notices the first fell silent and takes the job over.
    startWorker({ ...env, S3_ENDPOINT: process.env.S3_ENDPOINT });
    await waitUntil(
      "the checksum from the second worker",
      async () => (await db.query(`SELECT sha256 FROM "Upload" WHERE id = $1`, [uploadId])).rows[0]?.sha256 !== null,
      60_000,
    );
    expect((await db.query(`SELECT sha256 FROM "Upload" WHERE id = $1`, [uploadId])).rows[0].sha256).toBe(sha256(data));
    const runs = await db.query<{ ok: boolean; attempt: number; workerId: string }>(`SELECT ok, attempt, "workerId" FROM "JobRun" ORDER BY id`);
    // The killed attempt wrote nothing; the retry is attempt 2, by another worker than the one that held it.
    expect(runs.rows).toEqual([expect.objectContaining({ ok: true, attempt: 2 })]);
    expect(runs.rows[0]!.workerId).not.toBe(held.rows[0]!.locked_by);
    expect((await db.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs`)).rows[0].n).toBe(0);
  }, 120_000);
});
