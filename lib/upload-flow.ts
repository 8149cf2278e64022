// The whole upload outside the browser — reserve, sign in batches, send parts in parallel with
// their checksums, complete in storage, let Valet verify — through the same UploadSigner that
// Uppy uses. The CLI, the benchmarks and the tests drive this; nothing else restates the flow.
import { runParts } from "./part-scheduler";
import {
  isAlreadyStored,
  PENDING_KEY_PREFIX,
  retryWhileUnavailable,
  UploadSigner,
  type FileBytes,
  type FileSummary,
  type PartHasher,
  type RetryPolicy,
  type SignerApi,
  type UploadReservation,
  type ValetApi,
} from "./upload-client";
import { planUpload } from "./upload-policy";

/** Parts in flight at once unless the caller says otherwise; the browser's default too. */
export const DEFAULT_PART_CONCURRENCY = 4;

export class StorageRequestError extends Error {
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`Storage refused ${what}: ${status} ${body.slice(0, 300)}`);
    this.name = "StorageRequestError";
  }
}

export interface UploadFlowOptions {
  api: Pick<ValetApi, "completeUpload"> & SignerApi;
  source: FileBytes;
  name: string;
  type: string;
  partConcurrency?: number;
  retry?: Partial<RetryPolicy>;
  hash?: PartHasher;
  /** Called after each part has landed: lets a test break something mid-upload. */
  afterPart?: (partNumber: number) => Promise<void>;
}

const FILE_ID = "f";

async function toStorage(url: string, init: RequestInit & { headers?: Record<string, string> }, what: string): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new StorageRequestError(res.status, what, await res.text());
  return res;
}

/** The body S3 expects to complete a multipart upload from its parts' ETags, in order. */
export const completeMultipartXml = (etags: string[]) =>
  `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;

/**
 * Sends a file's bytes to storage through Valet's signed URLs and completes the multipart upload
 * in storage; answers the reservation, ready for Valet's verification. Continues an existing
 * reservation (`reservationId`, while it is pending) and multipart upload (`multipartUploadId`)
 * when given them.
 */
export async function sendThroughValet(options: UploadFlowOptions & { reservationId?: string; multipartUploadId?: string }): Promise<UploadReservation> {
  const { api, source, type } = options;
  const partConcurrency = options.partConcurrency ?? DEFAULT_PART_CONCURRENCY;
  const local = { name: options.name, size: source.size, type, data: source, reservationId: options.reservationId };
  const signer = new UploadSigner({ file: () => local }, api, { retry: options.retry, hash: options.hash, partConcurrency });
  const pendingKey = `${PENDING_KEY_PREFIX}${FILE_ID}`;
  const bytes = async (start: number, end: number) => new Uint8Array(await source.slice(start, end).arrayBuffer());
  const plan = planUpload(source.size);
  const reservation = await signer.reservation(pendingKey);

  if (reservation.strategy === "single") {
    const signed = await signer.signRequest({ method: "PUT", key: pendingKey, contentType: type });
    try {
      await toStorage(signed.url, { method: "PUT", headers: signed.headers, body: await bytes(0, source.size) }, "the upload");
    } catch (error) {
      // Signed with If-None-Match: a 412 means an earlier attempt landed; completion verifies it.
      if (!isAlreadyStored(error)) throw error;
    }
    return signer.reservationFor(FILE_ID)!;
  }
  if (reservation.strategy === "blocks") {
    // Azure: every part is a block PUT; Valet commits the block list when the upload completes.
    await runParts({
      parts: Array.from({ length: plan.partCount }, (_, i) => i + 1),
      concurrency: partConcurrency,
      send: async (n, partSignal) => {
        const start = (n - 1) * plan.partSize;
        const end = Math.min(start + plan.partSize, source.size);
        const block = await signer.signRequest({ method: "PUT", key: reservation.key, partNumber: n });
        const res = await toStorage(block.url, { method: "PUT", headers: block.headers, body: await bytes(start, end), signal: partSignal }, `block ${n}`);
        return res.headers.get("etag") ?? "";
      },
      onPartDone: (n) => options.afterPart?.(n),
    });
    return reservation;
  }
  let key = pendingKey;
  let uploadId = options.multipartUploadId;
  if (uploadId === undefined) {
    const created = await signer.signRequest({ method: "POST", key });
    const xml = await (await toStorage(created.url, { method: "POST", headers: created.headers }, "creating the multipart upload")).text();
    uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
    if (!uploadId) throw new Error(`Storage did not return an UploadId: ${xml.slice(0, 300)}`);
    key = created.key;
  }
  const etags = await runParts({
    parts: Array.from({ length: plan.partCount }, (_, i) => i + 1),
    concurrency: partConcurrency,
    send: async (n, partSignal) => {
      const start = (n - 1) * plan.partSize;
      const end = Math.min(start + plan.partSize, source.size);
      const part = await signer.signRequest({ method: "PUT", key, uploadId, partNumber: n });
      key = part.key;
      const res = await toStorage(part.url, { method: "PUT", headers: part.headers, body: await bytes(start, end), signal: partSignal }, `part ${n}`);
      return res.headers.get("etag") ?? "";
    },
    onPartDone: (n) => options.afterPart?.(n),
  });
  const done = await signer.signRequest({ method: "POST", key, uploadId });
  await toStorage(
    done.url,
    { method: "POST", headers: { "content-type": "application/xml" }, body: completeMultipartXml([...etags.values()]) },
    "completing the multipart upload",
  );
  return signer.reservationFor(FILE_ID)!;
}

/** Uploads one file and answers it once Valet has verified it (READY); throws otherwise. */
export async function uploadThroughValet(options: UploadFlowOptions): Promise<{ upload: UploadReservation; file: FileSummary }> {
  const upload = await sendThroughValet(options);
  const file = await retryWhileUnavailable(() => options.api.completeUpload(upload.id), { maxWaitMs: 120_000, ...options.retry });
  return { upload, file };
}
