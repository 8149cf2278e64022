// `npm run dev` on a fresh data folder comes up on its embedded defaults (PGlite + the patched
// s3rver) and behaves like production under what people do with it: many files at once, pause and
// resume, resume after a reload, the reconciler; it answers on 127.0.0.1 too; one Ctrl-C (SIGINT)
// stops everything. s3rver checks no signatures: this proves the zero-setup mode works, not that
// anything is refused (that is proven on Ceph RGW).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";
import { PENDING_KEY_PREFIX, UploadSigner, type FileSummary } from "@/lib/upload-client";

import { freePort, waitUntil } from "../../scripts/lib/process";
import { signedInClient } from "../helpers/api-client";
import { zipLike } from "../helpers/fixtures";
import { bufferSource, bytes, completeMultipartXml, download, fileBytes, signerApi, uploadWithSigner } from "../helpers/valet-upload";

const EMBEDDED_DEFAULTS_OVERRIDDEN_BY = [
  "DATABASE_URL",
  "DATABASE_POOL_SIZE",
  "AUTH_SECRET",
  "APP_URL",
  "AUTH_URL",
  "S3_ENDPOINT",
  "S3_BUCKET",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "S3_UPLOAD_ACCESS_KEY_ID",
  "S3_UPLOAD_SECRET_ACCESS_KEY",
  "S3_DOWNLOAD_ACCESS_KEY_ID",
  "S3_DOWNLOAD_SECRET_ACCESS_KEY",
  "S3_UPLOAD_PRINCIPAL",
  "S3_DOWNLOAD_PRINCIPAL",
  "S3_SETUP_BUCKET",
  "TRUSTED_PROXY_HOPS",
];
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let dataDir: string;
let dev: ChildProcess;
let exited: Promise<number | null>;
let output = "";
let port: number;
let base: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "valet-dev-"));
  port = await freePort();
  // The reconciler runs every few seconds here, so the test can watch a run finish.
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), VALET_DATA_DIR: dataDir, RECONCILE_INTERVAL_SECONDS: "5" };
  for (const name of EMBEDDED_DEFAULTS_OVERRIDDEN_BY) delete env[name];
  dev = spawn("npm", ["run", "dev"], { cwd: path.resolve(__dirname, "../.."), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  dev.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((resolve) => dev.on("exit", (code) => resolve(code)));
  base = `http://localhost:${port}`;
  await waitUntil("npm run dev to answer /api/health", async () => (await fetch(`${base}/api/health`)).ok, 150_000, 500);
});

afterAll(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    // SIGINT first: `npm run dev` stops what it started (Next runs in a group of its own, which a
    // SIGKILL of this group would leave behind); SIGKILL only if it does not stop.
    process.kill(-dev.pid!, "SIGINT");
    const timer = setTimeout(() => process.kill(-dev.pid!, "SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("npm run dev", () => {
  it("runs on embedded PostgreSQL and S3, and uploads a file that downloads the same", async () => {
    expect(output).toContain("embedded PostgreSQL (PGlite)");
    expect(output).toContain("embedded S3 (s3rver)");
    const { client } = await signedInClient(base);
    const data = Buffer.from("hello from dev mode\n".repeat(50));
    const { file } = await uploadWithSigner({ api: signerApi(client), source: bufferSource(data), name: "dev.txt", type: "text/plain" });
    const got = await download(client, file.id);
    expect(sha256(got.bytes)).toBe(sha256(data));
  });

  it("takes 12 files at once from one session, all READY with the right sizes (the database takes turns)", async () => {
    const { client } = await signedInClient(base);
    const sizes = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 2_000_000, 3 * MiB, 5 * MiB, 17 * MiB, 20 * MiB];
    const files = sizes.map((size, i) => ({ name: `f${i}.zip`, data: zipLike(Math.max(size, 64)) }));
    const uploaded = await Promise.all(
      files.map((f) => uploadWithSigner({ api: signerApi(client), source: bufferSource(f.data), name: f.name, type: "application/zip" })),
    );
    expect(uploaded.map((u) => u.file.size)).toEqual(files.map((f) => f.data.length));
    const listed = (await client.json<{ files: FileSummary[] }>("GET", "/api/files?limit=100")).body.files;
    for (const f of files) expect(listed.find((l) => l.name === f.name)?.size).toBe(f.data.length);
    const big = uploaded.at(-1)!;
    expect(sha256((await download(client, big.file.id)).bytes)).toBe(sha256(files.at(-1)!.data));
  });

  it("resumes a paused multipart upload, and after a reload finds the reservation and sends only the missing parts", async () => {
    const { client } = await signedInClient(base);
    const data = zipLike(40 * MiB); // 5 parts of 8 MiB
    const local = { name: "resumed.zip", size: data.length, type: "application/zip", data: fileBytes(bufferSource(data)) };
    const api = signerApi(client);
    const first = new UploadSigner({ file: () => local }, api);
    const created = await first.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f` });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await (await toStorage(created.url, { method: "POST", headers: created.headers })).text())![1]!;
    for (const n of [1, 2]) await sendPart(first, created.key, uploadId, n, data);
    await cutOffPart(first, created.key, uploadId, 3, data);
    const reservation = first.reservationFor("f")!;

    // Paused during part 3 (its request cut off half way, which must leave no trace), then the page was reloaded: a new signer knows only the reservation id and the key.
    const second = new UploadSigner(
      { file: () => ({ ...local, reservationId: reservation.id }), fileIdForKey: (key) => (key === created.key ? "f" : undefined) },
      api,
    );
    const listing = await second.signRequest({ method: "GET", key: created.key, uploadId });
    const stored = [...(await (await toStorage(listing.url, { method: "GET" })).text()).matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
    expect(stored).toEqual([1, 2]);
    const etags: string[] = [];
    const sent: number[] = [];
    for (let n = 1; n <= 5; n++) {
      if (stored.includes(n)) {
        etags.push(
          `"${createHash("md5")
            .update(data.subarray((n - 1) * 8 * MiB, n * 8 * MiB))
            .digest("hex")}"`,
        );
        continue;
      }
      etags.push(await sendPart(second, created.key, uploadId, n, data));
      sent.push(n);
    }
    expect(sent).toEqual([3, 4, 5]);
    const done = await second.signRequest({ method: "POST", key: created.key, uploadId });
    await toStorage(done.url, { method: "POST", headers: { "content-type": "application/xml" }, body: completeMultipartXml(etags) });
    const file = await api.completeUpload(reservation.id);
    expect(file.size).toBe(data.length);
    expect(sha256((await download(client, file.id)).bytes)).toBe(sha256(data));
  });

  it("cancels a multipart upload in storage too", async () => {
    const { client } = await signedInClient(base);
    const data = zipLike(20 * MiB);
    const signer = new UploadSigner(
      { file: () => ({ name: "gone.zip", size: data.length, type: "application/zip", data: fileBytes(bufferSource(data)) }) },
      signerApi(client),
    );
    const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f` });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await (await toStorage(created.url, { method: "POST", headers: created.headers })).text())![1]!;
    await sendPart(signer, created.key, uploadId, 1, data);
    const abort = await signer.signRequest({ method: "DELETE", key: created.key, uploadId });
    expect((await fetch(abort.url, { method: "DELETE" })).status).toBe(204);
    const listing = await signer.signRequest({ method: "GET", key: created.key, uploadId });
    expect((await fetch(listing.url)).status).toBe(404);
  });

  it("makes a thumbnail and a checksum of an uploaded picture (the jobs share the embedded database's one session)", async () => {
    const { client } = await signedInClient(base);
    const data = await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 220, g: 40, b: 40 } } })
      .png()
      .toBuffer();
    const { file } = await uploadWithSigner({ api: signerApi(client), source: bufferSource(data), name: "red.png", type: "image/png" });
    let got: { sha256: string | null; thumbnail: boolean } | undefined;
    await waitUntil(
      "the file's checksum and thumbnail",
      async () => {
        got = (await client.json<{ file: { sha256: string | null; thumbnail: boolean } }>("GET", `/api/files/${file.id}`)).body.file;
        return got.sha256 !== null && got.thumbnail;
      },
      60_000,
      500,
    );
    expect(got!.sha256).toBe(sha256(data));
    const thumbnail = await client.request(`/api/files/${file.id}/thumbnail`);
    expect(thumbnail.status).toBe(302);
    const meta = await sharp(Buffer.from(await (await fetch(thumbnail.headers.get("location")!)).arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 320, 213]);
  });

  it("runs the reconciler without errors", async () => {
    await waitUntil("a reconciler run in the log", async () => /reconciler: recovered \d+/.test(output), 30_000, 250);
    // The server logs JSON lines: the run's summary is the message, up to its closing quote.
    const runs = output.match(/reconciler: recovered [^"\n]*/g) ?? [];
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((line) => line.endsWith("errors 0"))).toBe(true);
    expect(output).not.toContain("reconciler failed");
  });

  it("answers on 127.0.0.1 by sending the browser on to its one address, and serves its icons and robots.txt", async () => {
    const elsewhere = await fetch(`http://127.0.0.1:${port}/sign-in?next=1`);
    expect(elsewhere.status).toBe(200);
    const target = /^0; url=(.+)$/.exec(elsewhere.headers.get("refresh") ?? "")?.[1];
    expect(target).toBe(`${base}/sign-in?next=1`);
    const page = await fetch(target!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Sign in");
    for (const asset of ["/favicon.ico", "/favicon.svg", "/robots.txt"]) expect((await fetch(`${base}${asset}`)).status).toBe(200);
  });

  it("stops on one SIGINT, with everything it started", async () => {
    // What a terminal's Ctrl-C does: SIGINT to the foreground process group.
    process.kill(-dev.pid!, "SIGINT");
    const timer = setTimeout(() => process.kill(-dev.pid!, "SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
    await expect(fetch(`${base}/api/health`)).rejects.toThrow();
    expect(output).not.toMatch(/prepared statement|bind message supplies|Something went wrong on our side/);
  });
});

async function toStorage(url: string, init: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`storage ${init.method}: ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Signs part n and sends half of it, then cuts the connection once storage has started writing it
 * (what pausing or closing the tab mid-part does); returns when storage has dropped what it got.
 */
async function cutOffPart(signer: UploadSigner, key: string, uploadId: string, n: number, data: Buffer): Promise<void> {
  const part = await signer.signRequest({ method: "PUT", key, uploadId, partNumber: n });
  const uploadDir = path.join(dataDir, "s3", bucketOf(part.url), "._S3rver_uploads", uploadId);
  const partFiles = async () => (await readdir(uploadDir)).filter((name) => name === String(n) || name.startsWith(`${n}.`));
  const req = http.request(part.url, { method: "PUT", headers: { ...part.headers, "content-length": String(8 * MiB) } });
  req.on("error", () => undefined);
  req.write(data.subarray((n - 1) * 8 * MiB, (n - 1) * 8 * MiB + 4 * MiB));
  await waitUntil(`part ${n} being written`, async () => (await partFiles()).length > 0, 10_000, 20);
  req.destroy();
  await waitUntil(`storage to drop the cut-off part ${n}`, async () => (await partFiles()).length === 0, 10_000, 20);
}

const bucketOf = (url: string) => new URL(url).pathname.split("/")[1]!;

/** Signs part n through `signer` and sends it; returns its ETag. */
async function sendPart(signer: UploadSigner, key: string, uploadId: string, n: number, data: Buffer): Promise<string> {
  const part = await signer.signRequest({ method: "PUT", key, uploadId, partNumber: n });
  const res = await toStorage(part.url, { method: "PUT", headers: part.headers, body: bytes(data.subarray((n - 1) * 8 * MiB, n * 8 * MiB)) });
  return res.headers.get("etag")!;
}
