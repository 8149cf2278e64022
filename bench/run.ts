// `npm run bench [-- --quick] [-- --no-build]`: is the app out of the data path, and how fast does
// it hand out keys? Starts Ceph RGW (file-backed BlueStore), a database on the machine's
// PostgreSQL, a production build of the app behind a byte-counting proxy, and a baseline upload
// server without valet keys; prints a markdown table and writes bench/results.json. Every figure
// is compared with its baseline from the same run.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { chromium } from "@playwright/test";
import autocannon from "autocannon";

import { GiB, MiB } from "../lib/units";
import { CHROMIUM_LAUNCH } from "../scripts/lib/chromium";
import { freePort, run, stopChild, waitUntil } from "../scripts/lib/process";
import { appEnvironment, createDatabase, startRgw } from "../scripts/lib/services";
import { ApiClient } from "../tests/helpers/api-client";
import { md5 } from "../tests/helpers/valet-upload";
import { measure, startCountingProxy } from "./harness";
import { measureJobs } from "./jobs";
import { measureSigning } from "./signing";
import { payload, valetUpload } from "./valet-client";

const ROOT = path.resolve(__dirname, "..");
const QUICK = process.argv.includes("--quick");
const SIZE = QUICK ? 64 * MiB : GiB;
const CONCURRENT = QUICK ? 2 : 8;
const BROWSER_SIZE = QUICK ? 32 * MiB : 512 * MiB;
const LOAD_SECONDS = QUICK ? 3 : 10;
const BUCKET = "valet-bench";
const DOWNLOAD_SAMPLES = QUICK ? 100 : 500;
/** Section 7: photos whose thumbnails and checksums a worker process makes. */
const JOB_IMAGES = QUICK ? 40 : 200;
/** What the app's uploader sends at once by default (UPLOAD_PART_CONCURRENCY). */
const PART_CONCURRENCY = 4;
/** `--only sign`: section 3 alone, printed and not written (for iterating on the API's speed). */
const ONLY_SIGN = process.argv.join(" ").includes("--only sign");
/** `--only jobs`: section 7 alone, printed and not written. */
const ONLY_JOBS = process.argv.join(" ").includes("--only jobs");

const cleanups: Array<() => Promise<void>> = [];
const log = (line: string) => console.error(`bench: ${line}`);
const mib = (bytes: number) => bytes / MiB;

async function startServices(work: string) {
  const [appPort, proxyAppPort] = [await freePort(), await freePort()];
  log("starting Ceph RGW (BlueStore)");
  const rgw = await startRgw(path.join(work, "ceph"), { RGW_OBJECTSTORE: "bluestore", RGW_BLOCK_BYTES: String(40 * GiB) });
  cleanups.push(rgw.stop);
  const { s3 } = rgw;
  const db = await createDatabase("valet_bench");
  cleanups.push(db.stop);

  const appProxy = await startCountingProxy(appPort);
  cleanups.push(() => appProxy.close());
  const appUrl = `http://localhost:${appProxy.port}`;
  const env: NodeJS.ProcessEnv = {
    ...appEnvironment({ s3, databaseUrl: db.url, appUrl, bucket: BUCKET }),
    MAX_UPLOAD_BYTES: String(5 * GiB),
    QUOTA_BYTES: String(1024 * GiB),
    // The load test is about signing throughput, not about the limits.
    RATE_LIMIT_SIGN_PER_MINUTE: "100000000",
    RATE_LIMIT_RESERVE_PER_MINUTE: "100000",
    // The app runs no jobs (checksums of the GiB uploads would cost it CPU in the sections that
    // measure it); section 7 starts a worker process of its own.
    WORKER_CONCURRENCY: "0",
  };
  if (!process.argv.includes("--no-build")) {
    log("building the app");
    if ((await run(path.join(ROOT, "node_modules/.bin/next"), ["build"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] })) !== 0)
      throw new Error("next build failed");
  }
  const app = spawn(path.join(ROOT, "node_modules/.bin/next"), ["start", "--port", String(appPort)], { cwd: ROOT, env, stdio: "ignore", detached: true });
  cleanups.push(() => stopChild(app));
  await waitUntil("the app", async () => (await fetch(`http://127.0.0.1:${appPort}/api/health`)).ok, 60_000);

  const proxyApp = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "bench/proxy-app.ts")], {
    cwd: ROOT,
    env: { ...env, PORT: String(proxyAppPort) },
    stdio: "ignore",
    detached: true,
  });
  cleanups.push(() => stopChild(proxyApp));
  const proxyAppCounter = await startCountingProxy(proxyAppPort);
  cleanups.push(() => proxyAppCounter.close());
  await waitUntil("the baseline upload server", async () => (await fetch(`http://127.0.0.1:${proxyAppPort}/`, { method: "GET" })).status > 0, 30_000);

  const storageClient = new S3Client({
    endpoint: s3.S3_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: s3.S3_ACCESS_KEY_ID, secretAccessKey: s3.S3_SECRET_ACCESS_KEY },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return { app, appPort, appUrl, appProxy, proxyApp, proxyAppCounter, storageClient, env, databaseUrl: db.url };
}

/** Empties the bucket between scenarios so BlueStore reuses its space. */
async function emptyBucket(client: S3Client) {
  for (;;) {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 1000 }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys } }));
  }
}

/** The baseline's upload: the bytes go to the app server, which streams them to storage. */
async function proxyUpload(port: number, size: number, block: Buffer) {
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(block.length, size - sent);
      sent += n;
      this.push(block.subarray(0, n));
    },
  });
  const res = await fetch(`http://127.0.0.1:${port}/upload?name=bench.bin`, {
    method: "PUT",
    headers: { "content-type": "application/zip", "content-length": String(size) },
    body: Readable.toWeb(body) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  if (res.status !== 201) throw new Error(`baseline upload failed: ${res.status} ${await res.text()}`);
}

/**
 * autocannon at concurrency 32. Every answer must be `expectStatus`: 2xx by default, 401 for the
 * floor (the route wrapper refusing an anonymous request), which autocannon counts as non-2xx.
 */
async function loadTest(url: string, args: { cookie?: string; body?: unknown; method?: "GET" | "POST"; expectStatus?: number }) {
  const { cookie, body, method = "POST", expectStatus } = args;
  const headers: Record<string, string> = { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(cookie ? { cookie } : {}) };
  const result = await autocannon({
    url,
    method,
    connections: 32,
    duration: LOAD_SECONDS,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const counts = Object.entries(result.statusCodeStats ?? {}).map(([status, s]) => [Number(status), s.count ?? 0] as const);
  const isExpected = (status: number) => (expectStatus === undefined ? status >= 200 && status < 300 : status === expectStatus);
  if (counts.some(([status, n]) => n > 0 && !isExpected(status)) || !counts.some(([status, n]) => n > 0 && isExpected(status))) {
    throw new Error(`${method} ${new URL(url).pathname} under load answered ${counts.map(([status, n]) => `${status} ×${n}`).join(", ") || "nothing"}`);
  }
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

/** Median milliseconds of `call`, run `samples` times one after another (after a few to warm up). */
async function sequentialMillis(samples: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/**
 * Section 3: sign calls under load (one URL, then 100), compared with the floor — the same
 * server refusing the same request without a session (401 from the route wrapper, before any
 * query) — and with an authenticated read (GET /api/uploads/:id); then server time per URL.
 */
async function keyIssuance(client: ApiClient, appPort: number) {
  const reservation = (await client.json("POST", "/api/uploads", { name: "load.zip", size: 5 * GiB, type: "application/zip" })).body.upload;
  const create = (await client.json("POST", `/api/uploads/${reservation.id}/sign`, { method: "POST", key: reservation.key })).body;
  const uploadId = /<UploadId>([^<]+)</.exec(await (await fetch(create.url, { method: "POST", headers: create.headers })).text())![1]!;
  // Every part URL signs a checksum; the first signature pins it, later ones for the same part repeat it.
  const part = (n: number) => ({ method: "PUT", key: reservation.key, uploadId, partNumber: n, contentMd5: md5(`part ${n}`) });
  const cookie = client.cookieHeader();
  const signUrl = `http://127.0.0.1:${appPort}/api/uploads/${reservation.id}/sign`;
  await loadTest(signUrl, { cookie, body: part(1) }); // pins the uploadId and warms up
  const single = await loadTest(signUrl, { cookie, body: part(1) });
  const floor = await loadTest(signUrl, { body: part(1), expectStatus: 401 });
  const read = await loadTest(`http://127.0.0.1:${appPort}/api/uploads/${reservation.id}`, { cookie, method: "GET" });
  const batch = await loadTest(signUrl, { cookie, body: { requests: Array.from({ length: 100 }, (_, i) => part(i + 1)) } });
  const signing = await measureSigning(QUICK);
  return { single, batch, floor, read, signing };
}

/** Results keys of section 3. signRps/signP99Ms repeat signSingle* under the names the goals use. */
function keyIssuanceResults({ single, batch, floor, read, signing }: Awaited<ReturnType<typeof keyIssuance>>) {
  return {
    signSingleRps: single.requestsPerSecond,
    signSingleP50Ms: single.p50Ms,
    signSingleP99Ms: single.p99Ms,
    signBatchRps: batch.requestsPerSecond,
    signBatchP50Ms: batch.p50Ms,
    signBatchP99Ms: batch.p99Ms,
    signBatchUrlsPerSecond: batch.requestsPerSecond * 100,
    signRps: single.requestsPerSecond,
    signP99Ms: single.p99Ms,
    floorRps: floor.requestsPerSecond,
    floorP99Ms: floor.p99Ms,
    signRpsVsFloorRatio: single.requestsPerSecond / floor.requestsPerSecond,
    readRps: read.requestsPerSecond,
    readP99Ms: read.p99Ms,
    readRpsVsFloorRatio: read.requestsPerSecond / floor.requestsPerSecond,
    ...signing,
  };
}

function printKeyIssuanceOnly(section: Awaited<ReturnType<typeof keyIssuance>>) {
  const results = { quick: QUICK, machine: machine(), ...keyIssuanceResults(section) };
  printTable(results, /^(Sign|Read|µs|…)/);
  console.log(`\n${JSON.stringify(results, null, 2)}`);
}

const machine = () => ({
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / GiB),
  node: process.version,
  platform: `${os.type()} ${os.release()}`,
});

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), "valet-bench-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  const services = await startServices(work);
  const { app, appProxy, proxyApp, proxyAppCounter, storageClient } = services;
  const block = payload(8 * MiB);

  const client = new ApiClient(services.appUrl);
  const email = `bench-${randomBytes(4).toString("hex")}@valet.test`;
  await client.signUp(email, "bench password 1");
  if (!(await client.signIn(email, "bench password 1"))) throw new Error("sign-in failed");
  if (ONLY_SIGN) return printKeyIssuanceOnly(await keyIssuance(client, services.appPort));
  if (ONLY_JOBS) {
    const jobs = await measureJobs({ client, databaseUrl: services.databaseUrl, env: services.env, images: JOB_IMAGES, samples: QUICK ? 10 : 30, log });
    return printTable({ quick: QUICK, machine: machine(), jobs }, /^(Jobs|Upload of a small image)/);
  }

  log(`1–2. data path: ${mib(SIZE)} MiB through the valet flow and through the baseline`);
  appProxy.reset();
  const valet = await measure(app.pid!, () => valetUpload(client, { name: "bench.zip", size: SIZE, type: "application/zip", block }));
  const valetAppBytes = appProxy.bytesIn();
  await emptyBucket(storageClient);
  proxyAppCounter.reset();
  const proxied = await measure(proxyApp.pid!, () => proxyUpload(proxyAppCounter.port, SIZE, block));
  const proxyAppBytes = proxyAppCounter.bytesIn();
  await emptyBucket(storageClient);

  log("3. key issuance: load on POST /api/uploads/:id/sign, and server time per URL");
  const { single, batch, floor, read, signing } = await keyIssuance(client, services.appPort);

  log(`4. browser: ${mib(BROWSER_SIZE)} MiB through the Uppy Dashboard in Chromium, and the same file with the SDK`);
  const file = path.join(work, "browser-upload.zip");
  const fileBytes = Buffer.alloc(BROWSER_SIZE);
  for (let i = 0; i < BROWSER_SIZE; i += block.length) block.copy(fileBytes, i, 0, Math.min(block.length, BROWSER_SIZE - i));
  await writeFile(file, fileBytes);
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ baseURL: services.appUrl });
  await context.addCookies(client.cookieList().map(([name, value]) => ({ name, value, url: services.appUrl })));
  const page = await context.newPage();
  // Every task that held the page's main thread over 50 ms (the Long Tasks API), from the start.
  await page.addInitScript(() => {
    const seen: Array<{ start: number; duration: number }> = [];
    (window as unknown as { valetLongTasks: typeof seen }).valetLongTasks = seen;
    new PerformanceObserver((list) => list.getEntries().forEach((e) => seen.push({ start: e.startTime, duration: e.duration }))).observe({
      type: "longtask",
      buffered: true,
    });
  });
  await page.goto("/files");
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
  const pageClockAtStart = await page.evaluate(() => performance.now());
  const browserStarted = performance.now();
  await page.getByRole("button", { name: /Upload 1 file/ }).click();
  await page
    .getByTestId("file-row")
    .filter({ hasText: "browser-upload.zip" })
    .waitFor({ timeout: 30 * 60_000 });
  const browserSeconds = (performance.now() - browserStarted) / 1000;
  const { longTasks, hashedBytes, hashingMs } = await page.evaluate((since) => {
    const tasks = (window as unknown as { valetLongTasks: Array<{ start: number; duration: number }> }).valetLongTasks;
    // One User Timing entry per part hashed in the worker (lib/md5-hasher.ts).
    const hashes = performance.getEntriesByName("valet:md5") as PerformanceMeasure[];
    return {
      longTasks: tasks.filter((t) => t.start >= since && t.duration > 50).map((t) => `${Math.round(t.duration)} ms at +${Math.round(t.start - since)} ms`),
      hashedBytes: hashes.reduce((n, m) => n + ((m.detail as { bytes?: number } | null)?.bytes ?? 0), 0),
      hashingMs: hashes.reduce((n, m) => n + m.duration, 0),
    };
  }, pageClockAtStart);
  if (longTasks.length > 0) log(`main-thread tasks over 50 ms during the browser upload (${Math.round(browserSeconds * 1000)} ms): ${longTasks.join(", ")}`);
  await browser.close();
  await emptyBucket(storageClient);
  const sdkStarted = performance.now();
  // The same geometry as the browser: 8 MiB parts, as many at once as the uploader sends.
  await new Upload({
    client: storageClient,
    params: { Bucket: BUCKET, Key: "sdk/browser-upload.zip", Body: createReadStream(file) },
    partSize: 8 * MiB,
    queueSize: PART_CONCURRENCY,
  }).done();
  const sdkSeconds = (performance.now() - sdkStarted) / 1000;
  await emptyBucket(storageClient);

  log("5. downloads: what checking the verified ETag (one HEAD) costs per download redirect");
  const { fileId, key: downloadKey } = await valetUpload(client, { name: "download.zip", size: MiB, type: "application/zip", block });
  const downloads = await sequentialMillis(DOWNLOAD_SAMPLES, async () => {
    const res = await client.request(`/api/files/${fileId}/download`);
    if (res.status !== 302) throw new Error(`download answered ${res.status}`);
  });
  const heads = await sequentialMillis(DOWNLOAD_SAMPLES, () => storageClient.send(new HeadObjectCommand({ Bucket: BUCKET, Key: downloadKey })));
  await emptyBucket(storageClient);

  log(`6. concurrency: ${CONCURRENT} × ${mib(SIZE)} MiB at once, valet flow and baseline`);
  const manyValet = await measure(app.pid!, () =>
    Promise.all(Array.from({ length: CONCURRENT }, (_, i) => valetUpload(client, { name: `c${i}.zip`, size: SIZE, type: "application/zip", block }))),
  );
  await emptyBucket(storageClient);
  const manyProxy = await measure(proxyApp.pid!, () => Promise.all(Array.from({ length: CONCURRENT }, () => proxyUpload(proxyAppCounter.port, SIZE, block))));
  await emptyBucket(storageClient);

  const jobs = await measureJobs({ client, databaseUrl: services.databaseUrl, env: services.env, images: JOB_IMAGES, samples: QUICK ? 10 : 30, log });
  await emptyBucket(storageClient);

  const results = {
    quick: QUICK,
    machine: machine(),
    uploadBytes: SIZE,
    appBytesPerUploadedByte: valetAppBytes / SIZE,
    proxyAppBytesPerUploadedByte: proxyAppBytes / SIZE,
    appCpuSeconds: valet.cpuSeconds,
    proxyCpuSeconds: proxied.cpuSeconds,
    appPeakRssMiB: mib(valet.rssPeakBytes),
    proxyPeakRssMiB: mib(proxied.rssPeakBytes),
    valetWallSeconds: valet.seconds,
    proxyWallSeconds: proxied.seconds,
    appRequests: valet.result.appRequests,
    appRequestsPerGiB: valet.result.appRequests * (SIZE === GiB ? 1 : NaN),
    ...keyIssuanceResults({ single, batch, floor, read, signing }),
    browserSeconds,
    sdkSeconds,
    browserBytes: BROWSER_SIZE,
    browserVsSdkThroughputRatio: sdkSeconds / browserSeconds,
    partConcurrency: PART_CONCURRENCY,
    mainThreadLongTasksOver50ms: longTasks.length,
    workerMd5MiBps: hashingMs > 0 ? mib(hashedBytes) / (hashingMs / 1000) : Number.NaN,
    downloadRedirectMs: downloads,
    storageHeadMs: heads,
    concurrentUploads: CONCURRENT,
    appRssGrowthMiB: mib(manyValet.rssPeakBytes - manyValet.rssBeforeBytes),
    proxyRssGrowthMiB: mib(manyProxy.rssPeakBytes - manyProxy.rssBeforeBytes),
    appCpuSecondsConcurrent: manyValet.cpuSeconds,
    proxyCpuSecondsConcurrent: manyProxy.cpuSeconds,
    jobs,
  };
  if (QUICK) results.appRequestsPerGiB = Number.NaN;
  printTable(results);
  const out = path.join(ROOT, QUICK ? "bench/results.quick.json" : "bench/results.json");
  await writeFile(out, `${JSON.stringify(results, (_, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`);
  log(`wrote ${path.relative(ROOT, out)}`);
}

function printTable(r: Record<string, any>, only?: RegExp) {
  const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  const rows: Array<[string, string, string, string, string]> = [
    [
      "App bytes received per uploaded byte",
      f(r.appBytesPerUploadedByte, 6),
      f(r.proxyAppBytesPerUploadedByte, 4),
      f(r.appBytesPerUploadedByte / r.proxyAppBytesPerUploadedByte, 6),
      `≤ 0.001 vs 1.0: ${r.appBytesPerUploadedByte <= 0.001 ? "met" : "missed"}`,
    ],
    [`App CPU seconds, one ${f(r.uploadBytes / MiB, 0)} MiB upload`, f(r.appCpuSeconds), f(r.proxyCpuSeconds), f(r.appCpuSeconds / r.proxyCpuSeconds, 3), ""],
    ["App peak RSS, MiB", f(r.appPeakRssMiB, 0), f(r.proxyPeakRssMiB, 0), f(r.appPeakRssMiB / r.proxyPeakRssMiB), ""],
    ["Wall time, s", f(r.valetWallSeconds), f(r.proxyWallSeconds), f(r.valetWallSeconds / r.proxyWallSeconds), ""],
    ["App requests for the upload", String(r.appRequests), "1", "", `≤ 12 per GiB: ${r.appRequests <= 12 ? "met" : "missed"}`],
    ["Sign, 1 URL: req/s · p50 · p99 ms", `${f(r.signSingleRps, 0)} · ${f(r.signSingleP50Ms, 0)} · ${f(r.signSingleP99Ms, 0)}`, "", "", "concurrency 32"],
    [
      "Sign, 100 URLs: req/s · p50 · p99 ms",
      `${f(r.signBatchRps, 0)} · ${f(r.signBatchP50Ms, 0)} · ${f(r.signBatchP99Ms, 0)}`,
      "",
      "",
      `${f(r.signBatchUrlsPerSecond, 0)} URLs/s`,
    ],
    [
      "Sign, 1 URL vs the 401 floor (no session, same URL): req/s",
      f(r.signRps, 0),
      f(r.floorRps, 0),
      f(r.signRpsVsFloorRatio),
      `≥ 0.5: ${r.signRpsVsFloorRatio >= 0.5 ? "met" : "missed"}`,
    ],
    ["Sign, 1 URL vs the 401 floor: p99 ms", f(r.signP99Ms, 0), f(r.floorP99Ms, 0), "", `≤ 100 ms: ${r.signP99Ms <= 100 ? "met" : "missed"}`],
    [
      "Read, GET /api/uploads/:id vs the 401 floor: req/s · p99 ms",
      `${f(r.readRps, 0)} · ${f(r.readP99Ms, 0)}`,
      f(r.floorRps, 0),
      f(r.readRpsVsFloorRatio),
      "",
    ],
    [
      "µs per URL in a 100-URL batch vs SignatureV4.presign",
      f(r.signUrlMicrosInBatch, 1),
      f(r.sdkSignatureV4Micros, 1),
      f(r.signUrlMicrosInBatch / r.sdkSignatureV4Micros),
      `≤ 2×: ${r.signUrlMicrosInBatch <= 2 * r.sdkSignatureV4Micros ? "met" : "missed"}`,
    ],
    [
      "… vs getSignedUrl in a loop",
      f(r.signUrlMicrosInBatch, 1),
      f(r.getSignedUrlMicros, 1),
      f(r.signUrlMicrosInBatch / r.getSignedUrlMicros, 3),
      `${f(r.getSignedUrlMicros / r.signUrlMicrosInBatch, 1)}× faster`,
    ],
    ["… vs the HMAC-SHA256 floor (cached key)", f(r.signUrlMicrosInBatch, 1), f(r.hmacFloorMicros, 2), f(r.signUrlMicrosInBatch / r.hmacFloorMicros, 1), ""],
    [
      `Browser upload of ${f(r.browserBytes / MiB, 0)} MiB vs Node SDK (${r.partConcurrency} parts at once), s`,
      f(r.browserSeconds),
      f(r.sdkSeconds),
      f(r.browserVsSdkThroughputRatio),
      `≥ 0.90: ${r.browserVsSdkThroughputRatio >= 0.9 ? "met" : "missed"}`,
    ],
    [
      "Main-thread tasks over 50 ms during that upload",
      String(r.mainThreadLongTasksOver50ms),
      "",
      "",
      `0: ${r.mainThreadLongTasksOver50ms === 0 ? "met" : "missed"}`,
    ],
    ["MD5 in the Web Worker, MiB/s", f(r.workerMd5MiBps, 0), "", "", "hashing runs ahead of the upload"],
    [
      "Download redirect, median ms (one after another) vs one storage HEAD",
      f(r.downloadRedirectMs),
      f(r.storageHeadMs),
      f(r.storageHeadMs / r.downloadRedirectMs),
      "the HEAD is what checking the verified ETag costs",
    ],
    [
      `RSS growth, ${r.concurrentUploads} concurrent uploads, MiB`,
      f(r.appRssGrowthMiB, 1),
      f(r.proxyRssGrowthMiB, 1),
      f(r.appRssGrowthMiB / r.proxyRssGrowthMiB, 3),
      `≤ 30 MiB: ${r.appRssGrowthMiB <= 30 ? "met" : "missed"}`,
    ],
    [
      `CPU seconds, ${r.concurrentUploads} concurrent uploads`,
      f(r.appCpuSecondsConcurrent),
      f(r.proxyCpuSecondsConcurrent),
      f(r.appCpuSecondsConcurrent / r.proxyCpuSecondsConcurrent, 3),
      "",
    ],
    [
      `Jobs: ${r.jobs.images} photo thumbnails + checksums, ${r.jobs.workers} workers: jobs/s`,
      f(r.jobs.jobsPerSecond, 1),
      "",
      "",
      `${r.jobs.jobs} jobs in ${f(r.jobs.seconds, 1)} s`,
    ],
    [
      "Upload of a small image while they run vs before: p50 · p95 ms",
      `${f(r.jobs.uploadMsDuring.p50, 0)} · ${f(r.jobs.uploadMsDuring.p95, 0)}`,
      `${f(r.jobs.uploadMsBefore.p50, 0)} · ${f(r.jobs.uploadMsBefore.p95, 0)}`,
      f(r.jobs.uploadMsDuring.p50 / r.jobs.uploadMsBefore.p50),
      r.jobs.samplesDuring > 0 ? `p50 ≤ 1.25×: ${r.jobs.uploadMsDuring.p50 <= 1.25 * r.jobs.uploadMsBefore.p50 ? "met" : "missed"}` : "backlog ended first",
    ],
  ];
  console.log(
    `\nValet benchmarks${r.quick ? " (quick)" : ""} — ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}\n`,
  );
  console.log("| measure | valet | baseline | ratio | goal |");
  console.log("|---|---|---|---|---|");
  for (const row of rows) if (!only || only.test(row[0])) console.log(`| ${row.join(" | ")} |`);
  console.log("\nBaselines: the proxy upload server in bench/proxy-app.ts; the SDK's own signers; Node SDK direct upload.");
}

async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  cleanups.length = 0;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void cleanup().then(() => process.exit(130)));
main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
