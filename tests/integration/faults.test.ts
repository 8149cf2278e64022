// Faults, each proven on an app instance of this file's own: its storage and its database sit
// behind TCP proxies the test cuts (tests/helpers/fault-proxy.ts), and the test can kill it
// outright (SIGKILL) and start it again. The lost-completion fault is in reconciler.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";
import type { SignedRequest } from "@/lib/upload-client";

import { waitUntil } from "../../scripts/lib/process";
import { signedInClient, type ApiClient, type JsonResponse } from "../helpers/api-client";
import { appInstance, type AppInstance } from "../helpers/app-instance";
import { startFaultProxy, type FaultProxy } from "../helpers/fault-proxy";
import { zipLike } from "../helpers/fixtures";
import { bufferSource, complete, createMultipart, md5, reserve, sendBytes, sendParts, sign, signerApi, uploadWithSigner } from "../helpers/valet-upload";
import { sql, uploadRow } from "./context";

let storageProxy: FaultProxy;
let dbProxy: FaultProxy;
let app: AppInstance;

const through = (url: string, proxy: FaultProxy) => {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString().replace(/\/$/, "");
};

beforeAll(async () => {
  const s3 = new URL(process.env.S3_ENDPOINT!);
  const database = new URL(process.env.DATABASE_URL!);
  storageProxy = await startFaultProxy({ host: s3.hostname, port: Number(s3.port) });
  dbProxy = await startFaultProxy({ host: database.hostname, port: Number(database.port || 5432) });
  app = await appInstance({
    ...process.env,
    NODE_ENV: "production",
    S3_ENDPOINT: through(s3.toString(), storageProxy),
    DATABASE_URL: through(database.toString(), dbProxy),
    // The bucket and its CORS rules belong to the main instance.
    S3_SETUP_BUCKET: "false",
    // Reserve and sign refuse from what the probe last saw: look often, so the tests wait little.
    STORAGE_PROBE_INTERVAL_SECONDS: "1",
  });
  await app.start();
}, 90_000);

afterAll(async () => {
  await app?.stop();
  await storageProxy?.close();
  await dbProxy?.close();
});

function expectUnavailable(res: JsonResponse, code: "storage_unavailable" | "database_unavailable") {
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(code === "storage_unavailable" ? /storage is unavailable right now/i : /database is unavailable right now/i);
  expect(res.headers.get("retry-after")).toBe("5");
}

async function uploadCount(email: string): Promise<number> {
  const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "Upload" u JOIN "User" o ON o.id = u."ownerId" WHERE o.email = $1`, [email]);
  return rows[0].n as number;
}

describe("faults", () => {
  it("storage unreachable: reserve, sign and complete answer 503, nothing becomes READY, and the upload completes once storage is back", async () => {
    const { client, email } = await signedInClient(app.url);
    const data = zipLike(20 * MiB);
    const upload = await reserve(client, { name: "big.zip", size: data.length, type: "application/zip" });
    const uploadId = await createMultipart(client, upload, "application/zip");

    storageProxy.down();
    try {
      // Reserve and sign no longer ask storage themselves: they refuse, at once, once the instance
      // has seen the outage (its probe, or any storage call that went unanswered).
      await storageSeenAs(client, "unavailable");
      expectUnavailable(await client.json("POST", "/api/uploads", { name: "other.txt", size: 5, type: "text/plain" }), "storage_unavailable");
      expectUnavailable(
        await sign(client, upload.id, { method: "PUT", key: upload.key, uploadId, partNumber: 1, contentMd5: md5(data.subarray(0, 8 * MiB)) }),
        "storage_unavailable",
      );
      expectUnavailable(await complete(client, upload.id), "storage_unavailable");
      const health = await client.json("GET", "/api/health");
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ ok: false, database: "ok", storage: "unavailable" });
      expect((await uploadRow(upload.id))?.status).toBe("PENDING");
      expect(await uploadCount(email)).toBe(1);
    } finally {
      storageProxy.up();
    }

    // The multipart upload created before the outage carries on once the probe sees storage again.
    await storageSeenAs(client, "ok");
    await sendParts(client, upload, uploadId, data);
    const done = await complete(client, upload.id);
    expect(done.status).toBe(200);
    expect(done.body.file.size).toBe(data.length);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
  });

  it("database unreachable: 503 with a clear message and no partial state; completion works once it is back", async () => {
    const { client, email } = await signedInClient(app.url);
    const upload = await reserve(client, { name: "landed.txt", size: 11, type: "text/plain" });
    await sendBytes(client, upload, Buffer.from("hello world"), "text/plain");

    dbProxy.down();
    try {
      expectUnavailable(await client.json("POST", "/api/uploads", { name: "other.txt", size: 5, type: "text/plain" }), "database_unavailable");
      expectUnavailable(await complete(client, upload.id), "database_unavailable");
      expectUnavailable(await client.json("GET", "/api/files"), "database_unavailable");
      const health = await client.json("GET", "/api/health");
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ ok: false, database: "unavailable", storage: "ok" });
    } finally {
      dbProxy.up();
    }

    // Nothing moved while the database was away: one reservation, still PENDING, no completion audited.
    expect(await uploadCount(email)).toBe(1);
    expect((await uploadRow(upload.id))?.status).toBe("PENDING");
    const done = await complete(client, upload.id);
    expect(done.status).toBe(200);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
  });

  it("app killed mid-upload: parts whose URLs the client holds keep going, and it completes when the app is back", async () => {
    const { client } = await signedInClient(app.url);
    const data = zipLike(40 * MiB);
    let restarted: Promise<void> | undefined;
    let waits = 0;
    // Node reads the parts at once, so the signer has hashed all five when it signs part 1: the
    // first batch holds every part URL and the completion URL, and parts 2 to 5 go to storage
    // while the app is down. Completion waits for it to come back.
    const { upload, file } = await uploadWithSigner({
      api: signerApi(client),
      source: bufferSource(data),
      name: "crash.zip",
      type: "application/zip",
      retry: { maxWaitMs: 90_000, onWait: () => void (waits += 1) },
      partConcurrency: 1,
      afterPart: async (n) => {
        if (n === 1) await app.kill();
        if (n === 5) restarted = app.start();
      },
    });
    await restarted;
    expect(waits).toBeGreaterThan(0);
    expect(file.size).toBe(data.length);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
  });

  it("a part URL that expires while the upload waits is re-signed transparently (storage would refuse the stale one)", async () => {
    await app.stop();
    await app.start({ UPLOAD_URL_TTL_SECONDS: "3" });
    const { client } = await signedInClient(app.url);
    const data = zipLike(24 * MiB);
    const api = signerApi(client);
    const batches: SignedRequest[][] = [];
    const recordingApi = {
      ...api,
      signBatch: async (...args: Parameters<typeof api.signBatch>) => {
        const results = await api.signBatch(...args);
        batches.push(results);
        return results;
      },
    };
    const { upload, file } = await uploadWithSigner({
      api: recordingApi,
      source: bufferSource(data),
      name: "slow.zip",
      type: "application/zip",
      partConcurrency: 1,
      // The upload stalls after part 1 until the URLs fetched with it have expired.
      afterPart: async (n) => {
        if (n === 1) await waitForExpiry(batches[0]![1]!);
      },
    });
    expect(file.size).toBe(data.length);
    expect((await uploadRow(upload.id))?.status).toBe("READY");
    // The first batch held every part; after the wait the rest were signed again.
    expect(batches[0]!.length).toBe(4);
    expect(batches.length).toBeGreaterThan(1);
    // The URL the signer set aside is refused by storage now; the re-signed one was used instead.
    const stale = await fetch(batches[0]![1]!.url, { method: "PUT", body: data.subarray(8 * MiB, 16 * MiB) as unknown as BodyInit });
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain("<Code>AccessDenied</Code>");
  });
});

/** Waits until the instance's /api/health reports storage as `state` (its probe looks every second here). */
async function storageSeenAs(client: ApiClient, state: "ok" | "unavailable"): Promise<void> {
  await waitUntil(`/api/health to report storage ${state}`, async () => (await client.json("GET", "/api/health")).body?.storage === state, 30_000);
}

/** Resolves once `signed` has expired by storage's clock too (this machine's). */
async function waitForExpiry(signed: SignedRequest): Promise<void> {
  const ms = Date.parse(signed.expiresAt) - Date.now() + 1_000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
