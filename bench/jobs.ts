// Section 7 of the bench: the job queue. N images are uploaded while no worker runs, so their
// thumbnail and checksum jobs wait in the queue; then a worker process (`npm run worker`, two
// workers) is started and the time until every image has both is taken: jobs per second. Upload
// latency (a small image: reserve, sign, PUT, complete) is sampled before the worker starts and
// again while it works through the backlog: the ratio says whether the jobs slow uploads down.
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import sharp from "sharp";

import { stopChild, waitUntil } from "../scripts/lib/process";
import type { ApiClient } from "../tests/helpers/api-client";
import { uploadFile } from "../tests/helpers/valet-upload";

const ROOT = path.resolve(__dirname, "..");

export interface JobsResult {
  images: number;
  jobs: number;
  workers: number;
  seconds: number;
  jobsPerSecond: number;
  uploadMsBefore: { p50: number; p95: number };
  uploadMsDuring: { p50: number; p95: number };
  /** Samples taken while the backlog was still being worked through. */
  samplesDuring: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

async function uploadMillis(client: ApiClient, data: Buffer, samples: number, name: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await uploadFile(client, data, { name: `${name}-${i}.png`, type: "image/png" });
    ms.push(performance.now() - started);
  }
  return ms;
}

export async function measureJobs(args: {
  client: ApiClient;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  images: number;
  samples: number;
  log: (line: string) => void;
}): Promise<JobsResult> {
  const { client, images, samples, log } = args;
  const db = new pg.Pool({ connectionString: args.databaseUrl, max: 2 });
  try {
    // What earlier sections queued (checksums of files since deleted) is not this section's work.
    await db.query(`DELETE FROM graphile_worker._private_jobs`);
    // A photo-like JPEG (noise does not compress), 2400 × 1600: decoding it is real work.
    const photo = await sharp({
      create: { width: 2400, height: 1600, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: "gaussian", mean: 128, sigma: 40 } },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 30, g: 90, b: 200 } } })
      .png()
      .toBuffer();
    log(`7. jobs: ${images} photos of ${(photo.length / 1024).toFixed(0)} KiB uploaded with no worker running`);
    const ids: string[] = [];
    for (let i = 0; i < images; i += 8) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(8, images - i) }, (_, j) => uploadFile(client, photo, { name: `photo-${i + j}.jpg`, type: "image/jpeg" })),
      );
      ids.push(...batch.map((b) => b.file.id));
    }
    const before = await uploadMillis(client, small, samples, "before");
    // The small images' own jobs join the backlog; they are counted too.
    const { rows: queued } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs`);
    const jobs = queued[0]!.n;

    const workers = 2;
    log(`7. jobs: a worker process with ${workers} workers takes ${jobs} jobs`);
    const worker = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/worker.ts"], {
      cwd: ROOT,
      env: { ...args.env, WORKER_CONCURRENCY: String(workers), LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    });
    try {
      const remaining = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs`)).rows[0]!.n;
      await waitUntil("the worker's first job", async () => (await remaining()) < jobs, 60_000, 50);
      const started = performance.now();
      const during = await uploadMillis(client, small, samples, "during");
      // Only samples taken while work was left count as "during".
      const isBusy = (await remaining()) > 0;
      await waitUntil("the job backlog", async () => (await remaining()) === 0, 10 * 60_000, 100);
      const seconds = (performance.now() - started) / 1000;
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "Upload" WHERE id = ANY($1::uuid[]) AND sha256 IS NOT NULL AND "thumbnailKey" IS NOT NULL`,
        [ids],
      );
      if (rows[0]!.n !== images) throw new Error(`only ${rows[0]!.n} of ${images} photos got their checksum and thumbnail`);
      return {
        images,
        jobs,
        workers,
        seconds,
        jobsPerSecond: jobs / seconds,
        uploadMsBefore: summary(before),
        uploadMsDuring: summary(during),
        samplesDuring: isBusy ? during.length : 0,
      };
    } finally {
      await stopChild(worker);
    }
  } finally {
    await db.end();
  }
}
