import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";

import { GiB, MiB } from "./units";
import { ApiError, PENDING_KEY_PREFIX, retryWhileUnavailable, UploadSigner, type LocalFile, type SignedRequest, type UploadReservation } from "./upload-client";
import { planUpload } from "./upload-policy";
import type { PresignableRequest } from "./validation/uploads";

/** Each answer takes a turn of the event loop, as a network round trip would; hashing goes on meanwhile. */
const network = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fake API that records calls; the signer's batching is what is under test. */
function fakeApi(size: number, options: { urlLifetimeMs?: () => number } = {}) {
  const calls: string[] = [];
  const requests: PresignableRequest[] = [];
  const plan = planUpload(size);
  const reservation: UploadReservation = {
    id: "up1",
    key: "users/u1/up1/big.bin",
    name: "big.bin",
    size,
    type: "application/zip",
    status: "PENDING",
    strategy: plan.strategy,
    partSize: plan.partSize,
    maxParts: plan.partCount,
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    createdAt: new Date().toISOString(),
  };
  const signed = (r: PresignableRequest): SignedRequest => {
    requests.push(r);
    return {
      url: `https://s3.test/${r.method}/${r.partNumber ?? "x"}`,
      key: r.key,
      headers: r.contentMd5 ? { "content-md5": r.contentMd5 } : undefined,
      expiresAt: new Date(Date.now() + (options.urlLifetimeMs?.() ?? 900_000)).toISOString(),
    };
  };
  return {
    calls,
    requests,
    reservation,
    api: {
      reserveUpload: async () => (calls.push("reserve"), await network(), reservation),
      getUpload: async (id: string) => (calls.push(`get ${id}`), await network(), reservation),
      sign: async (_id: string, r: PresignableRequest) => (calls.push(`sign ${r.method}`), await network(), signed(r)),
      signBatch: async (_id: string, rs: PresignableRequest[]) => (calls.push(`batch ${rs.length}`), await network(), rs.map(signed)),
    },
  };
}

/** Bytes that cost nothing to hash: each slice reads as its own offsets, so every part's digest differs. */
function cheapBytes(size: number) {
  return { size, slice: (start: number, end: number) => ({ arrayBuffer: async () => new Float64Array([start, end]).buffer }) };
}

const fileOf = (size: number, extra: Partial<LocalFile> = {}) => ({
  file: () => ({ name: "big.bin", size, type: "application/zip", data: cheapBytes(size), ...extra }),
});

/** Bytes whose every 8 MiB part differs, so a digest of the wrong slice shows. */
function bytesOf(size: number): Blob {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096) % 251;
  return new Blob([bytes]);
}

const md5 = async (blob: Blob) =>
  createHash("md5")
    .update(new Uint8Array(await blob.arrayBuffer()))
    .digest("base64");

/** Drives the signer through the requests Uppy makes for one multipart upload. */
async function uploadThroughSigner(size: number, host = fileOf(size), fake = fakeApi(size), partTransferMs = 0) {
  const signer = new UploadSigner(host, fake.api);
  const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
  const key = created.key;
  const parts = planUpload(size).partCount;
  const signedParts: Array<{ url: string; headers?: Record<string, string> }> = [];
  for (let n = 1; n <= parts; n++) {
    signedParts.push(await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: n }));
    // Stands in for sending the part: the time the signer has to hash the next ones.
    if (partTransferMs > 0) await new Promise((resolve) => setTimeout(resolve, partTransferMs));
  }
  const completion = await signer.signRequest({ method: "POST", key, uploadId: "s3up" });
  return { ...fake, key, urls: signedParts.map((p) => p.url), signedParts, completion };
}

describe("UploadSigner", () => {
  it("reserves once, then signs with the server's key", async () => {
    const { calls, key } = await uploadThroughSigner(24 * MiB);
    expect(key).toBe("users/u1/up1/big.bin");
    expect(calls.filter((c) => c === "reserve")).toHaveLength(1);
  });

  it("needs four sign-side requests for 1 GiB: reserve, create, two part batches (parts hashed while the create is out)", async () => {
    const { calls, urls, completion } = await uploadThroughSigner(1 * GiB);
    expect(calls).toEqual(["reserve", "sign POST", "batch 100", "batch 29"]);
    // Every part got its own URL, in order, and the completion URL came with the last batch.
    expect(urls).toEqual(Array.from({ length: 128 }, (_, i) => `https://s3.test/PUT/${i + 1}`));
    expect(completion.url).toBe("https://s3.test/POST/x");
  });

  it("signs every part with the MD5 of exactly that part's bytes", async () => {
    const size = 40 * MiB + 123;
    const data = bytesOf(size);
    const { signedParts, requests } = await uploadThroughSigner(size, fileOf(size, { data }));
    const plan = planUpload(size);
    const expected = await Promise.all(
      Array.from({ length: plan.partCount }, (_, i) => md5(data.slice(i * plan.partSize, Math.min((i + 1) * plan.partSize, size)))),
    );
    expect(new Set(expected).size).toBe(plan.partCount);
    expect(signedParts.map((p) => p.headers?.["content-md5"])).toEqual(expected);
    expect(requests.filter((r) => r.partNumber !== undefined).map((r) => r.contentMd5)).toEqual(expected);
  });

  it("batches parts hashed while earlier ones upload, so checksums cost few extra requests", async () => {
    const size = 128 * MiB;
    // 100 ms a part is an 80 MiB/s link; hashing 8 MiB takes a fraction of that, even on a busy
    // machine (at 50 ms a part, a loaded 2-core machine once hashed slower than it "uploaded").
    const { calls, requests } = await uploadThroughSigner(size, fileOf(size, { data: bytesOf(size) }), fakeApi(size), 100);
    const batches = calls.filter((c) => c.startsWith("batch"));
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(requests.filter((r) => r.partNumber !== undefined).every((r) => r.contentMd5 !== undefined)).toBe(true);
  });

  it("parts requested together (four in flight) share one sign call, and each gets its own part's URL", async () => {
    const size = 64 * MiB;
    const fake = fakeApi(size);
    const signer = new UploadSigner(fileOf(size), fake.api, { partConcurrency: 4 });
    const { key } = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
    const part = (n: number) => signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: n });
    const first = await Promise.all([1, 2, 3, 4].map(part));
    expect(first.map((s) => s.url)).toEqual([1, 2, 3, 4].map((n) => `https://s3.test/PUT/${n}`));
    expect(fake.calls.filter((c) => c.startsWith("batch"))).toHaveLength(1);
    // The rest, four at a time as the uploader asks: no part is signed twice.
    const rest = await Promise.all([5, 6, 7, 8].map(part));
    expect(rest.map((s) => s.url)).toEqual([5, 6, 7, 8].map((n) => `https://s3.test/PUT/${n}`));
    const parts = fake.requests.filter((r) => r.partNumber !== undefined).map((r) => r.partNumber);
    expect(parts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("signs a single PUT with the whole file's MD5", async () => {
    const size = 3 * MiB;
    const data = bytesOf(size);
    const fake = fakeApi(size);
    const signer = new UploadSigner(fileOf(size, { data }), fake.api);
    const signed = await signer.signRequest({ method: "PUT", key: `${PENDING_KEY_PREFIX}f1`, contentType: "application/zip" });
    expect(signed.headers?.["content-md5"]).toBe(await md5(data));
  });

  it("re-signs a prefetched URL that has less than a minute left", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const fake = fakeApi(24 * MiB);
      const signer = new UploadSigner(fileOf(24 * MiB), fake.api);
      const { key } = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 1 });
      vi.setSystemTime(Date.now() + 800_000); // 100 s left of 900: still used
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 2 });
      vi.setSystemTime(Date.now() + 50_000); // 50 s left: re-signed
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 3 });
      expect(fake.calls).toEqual(["reserve", "sign POST", "batch 4", "batch 2"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("with short-lived URLs, reuses a prefetched one only in the first half of its life", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const fake = fakeApi(24 * MiB, { urlLifetimeMs: () => 10_000 });
      const signer = new UploadSigner(fileOf(24 * MiB), fake.api);
      const { key } = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 1 });
      vi.setSystemTime(Date.now() + 4_000);
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 2 });
      vi.setSystemTime(Date.now() + 2_000); // 4 s of 10 left
      await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 3 });
      expect(fake.calls).toEqual(["reserve", "sign POST", "batch 4", "batch 2"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("after a reload, finds the reservation by the file's key and reuses it while pending", async () => {
    const fake = fakeApi(24 * MiB);
    const remembered: string[] = [];
    const host = {
      file: () => ({ name: "big.bin", size: 24 * MiB, type: "application/zip", reservationId: "up1" }),
      fileIdForKey: (key: string) => (key === fake.reservation.key ? "f1" : undefined),
      remember: (_: string, id: string) => void remembered.push(id),
    };
    const signer = new UploadSigner(host, fake.api);
    const listed = await signer.signRequest({ method: "GET", key: fake.reservation.key, uploadId: "s3up" });
    expect(listed.key).toBe(fake.reservation.key);
    expect(fake.calls).toEqual(["get up1", "sign GET"]);
    expect(remembered).toEqual([]);
  });

  it("reserves afresh when the kept reservation is no longer pending, and remembers the new one", async () => {
    const fake = fakeApi(10);
    const remembered: string[] = [];
    const signer = new UploadSigner(
      {
        file: () => ({ name: "a.txt", size: 10, type: "text/plain", data: cheapBytes(10), reservationId: "old" }),
        remember: (_, id) => void remembered.push(id),
      },
      { ...fake.api, getUpload: async () => ({ ...fake.reservation, id: "old", status: "EXPIRED" }) },
    );
    await signer.signRequest({ method: "PUT", key: `${PENDING_KEY_PREFIX}f1`, contentType: "text/plain" });
    expect(fake.calls).toEqual(["reserve", "sign PUT"]);
    expect(remembered).toEqual(["up1"]);
  });

  it("refuses to sign a PUT without the file's bytes to hash", async () => {
    const fake = fakeApi(10);
    const signer = new UploadSigner({ file: () => ({ name: "a.txt", size: 10, type: "text/plain" }) }, fake.api);
    await expect(signer.signRequest({ method: "PUT", key: `${PENDING_KEY_PREFIX}f1`, contentType: "text/plain" })).rejects.toThrow(/choose it again/);
    expect(fake.calls).toEqual(["reserve"]);
  });

  it("refuses to sign for a key it did not reserve", async () => {
    const { api } = fakeApi(10);
    const signer = new UploadSigner({ file: () => undefined }, api);
    await expect(signer.signRequest({ method: "PUT", key: "users/other/x/y.txt" })).rejects.toThrow(/No reservation/);
  });

  it("waits for Valet to come back while signing", async () => {
    const fake = fakeApi(24 * MiB);
    let failures = 2;
    const waits: number[] = [];
    const signer = new UploadSigner(
      fileOf(24 * MiB),
      { ...fake.api, sign: async (id, r) => (failures-- > 0 ? Promise.reject(new ApiError(0, "network_error", "down")) : fake.api.sign(id, r)) },
      { retry: { maxWaitMs: 10_000, onWait: (_, attempt) => void waits.push(attempt) } },
    );
    const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
    expect(created.url).toBe("https://s3.test/POST/x");
    expect(waits).toEqual([1, 2]);
  });
});

describe("retryWhileUnavailable", () => {
  it("does not retry answers that are not transient", async () => {
    let calls = 0;
    const refused = retryWhileUnavailable(
      async () => {
        calls += 1;
        throw new ApiError(403, "forbidden", "no");
      },
      { maxWaitMs: 10_000 },
    );
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(calls).toBe(1);
  });

  it("gives up with the last error once the wait would pass the deadline", async () => {
    let calls = 0;
    const down = retryWhileUnavailable(
      async () => {
        calls += 1;
        throw new ApiError(503, "storage_unavailable", "down");
      },
      { maxWaitMs: 1_600 },
    );
    await expect(down).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(3); // after 500 ms and 1000 ms waits; a third (2 s) would pass the deadline
  });
});
