import { describe, expect, it } from "vitest";
import { GiB, MiB } from "./units";
import { PENDING_KEY_PREFIX, UploadSigner, type SignedRequest, type UploadReservation } from "./upload-client";
import { planUpload } from "./upload-policy";
import type { PresignableRequest } from "./validation/uploads";

/** A fake API that records calls; the signer's batching is what is under test. */
function fakeApi(size: number) {
  const calls: string[] = [];
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
  };
  const signed = (r: PresignableRequest): SignedRequest => ({
    url: `https://s3.test/${r.method}/${r.partNumber ?? "x"}`,
    key: r.key,
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
  });
  return {
    calls,
    api: {
      reserveUpload: async () => (calls.push("reserve"), reservation),
      sign: async (_id: string, r: PresignableRequest) => (calls.push(`sign ${r.method}`), signed(r)),
      signBatch: async (_id: string, rs: PresignableRequest[]) => (calls.push(`batch ${rs.length}`), rs.map(signed)),
    },
  };
}

/** Drives the signer through the requests Uppy makes for one multipart upload. */
async function uploadThroughSigner(size: number) {
  const { api, calls } = fakeApi(size);
  const signer = new UploadSigner(() => ({ name: "big.bin", size, type: "application/zip" }), api);
  const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
  const key = created.key;
  const parts = planUpload(size).partCount;
  const urls: string[] = [];
  for (let n = 1; n <= parts; n++) urls.push((await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: n })).url);
  const completion = await signer.signRequest({ method: "POST", key, uploadId: "s3up" });
  return { calls, key, urls, completion };
}

describe("UploadSigner", () => {
  it("reserves once, then signs with the server's key", async () => {
    const { calls, key } = await uploadThroughSigner(24 * MiB);
    expect(key).toBe("users/u1/up1/big.bin");
    expect(calls.filter((c) => c === "reserve")).toHaveLength(1);
  });

  it("needs four sign-side requests for 1 GiB (reserve, create, two part batches)", async () => {
    const { calls, urls, completion } = await uploadThroughSigner(1 * GiB);
    expect(calls).toEqual(["reserve", "sign POST", "batch 100", "batch 29"]);
    // Every part got its own URL, in order, and the completion URL came with the last batch.
    expect(urls).toEqual(Array.from({ length: 128 }, (_, i) => `https://s3.test/PUT/${i + 1}`));
    expect(completion.url).toBe("https://s3.test/POST/x");
  });

  it("re-signs instead of using a prefetched URL that is about to expire", async () => {
    const { api, calls } = fakeApi(24 * MiB);
    let expiresIn = 30_000; // less than the reuse margin
    const signer = new UploadSigner(() => ({ name: "big.bin", size: 24 * MiB, type: "application/zip" }), {
      ...api,
      signBatch: async (id, rs) => (await api.signBatch(id, rs)).map((r) => ({ ...r, expiresAt: new Date(Date.now() + expiresIn).toISOString() })),
    });
    const { key } = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f1` });
    await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 1 });
    expiresIn = 900_000;
    await signer.signRequest({ method: "PUT", key, uploadId: "s3up", partNumber: 2 });
    expect(calls).toEqual(["reserve", "sign POST", "batch 4", "batch 3"]);
  });

  it("refuses to sign for a key it did not reserve", async () => {
    const { api } = fakeApi(10);
    const signer = new UploadSigner(() => undefined, api);
    await expect(signer.signRequest({ method: "PUT", key: "users/other/x/y.txt" })).rejects.toThrow(/No reservation/);
  });
});
