// Uploads bytes through Valet's flow exactly as the browser does: reserve, sign, send the bytes
// straight to storage with the signed URLs, complete. Returns every step for assertions.
import { createHash } from "node:crypto";
import { createValetApi, PENDING_KEY_PREFIX, retryWhileUnavailable, UploadSigner, type FileSummary, type RetryPolicy, type UploadReservation, type ValetApi } from "@/lib/upload-client";
import { planUpload } from "@/lib/upload-policy";
import type { ApiClient, JsonResponse } from "./api-client";

/** Node's fetch takes a Buffer; the DOM typings in tsconfig don't know that. */
export const bytes = (b: Buffer) => b as unknown as BodyInit;

/** What Content-MD5 carries: the base64 MD5 of the bytes. Every PUT Valet signs needs one. */
export const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("base64");

export interface Reservation {
  id: string;
  key: string;
  strategy: "single" | "multipart";
  partSize: number;
  maxParts: number;
  expiresAt: string;
}

export async function reserve(client: ApiClient, args: { name: string; size: number; type: string }): Promise<Reservation> {
  const res = await client.json("POST", "/api/uploads", args);
  if (res.status !== 201) throw new Error(`reserve failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.upload as Reservation;
}

export async function sign(client: ApiClient, uploadId: string, body: unknown): Promise<JsonResponse> {
  return client.json("POST", `/api/uploads/${uploadId}/sign`, body);
}

async function signOk(client: ApiClient, uploadId: string, body: unknown): Promise<any> {
  const res = await sign(client, uploadId, body);
  if (res.status !== 200) throw new Error(`sign failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates the multipart upload in storage through a signed URL; returns storage's UploadId. */
export async function createMultipart(client: ApiClient, upload: Reservation, type: string): Promise<string> {
  const signed = await signOk(client, upload.id, { method: "POST", key: upload.key });
  const res = await fetch(signed.url, { method: "POST", headers: signed.headers ?? { "content-type": type } });
  const xml = await res.text();
  if (!res.ok) throw new Error(`create multipart failed: ${res.status} ${xml}`);
  const match = /<UploadId>([^<]+)<\/UploadId>/.exec(xml);
  if (!match) throw new Error(`no UploadId in ${xml}`);
  return match[1]!;
}

export async function sendBytes(client: ApiClient, upload: Reservation, data: Buffer, type: string): Promise<void> {
  if (upload.strategy === "single") {
    const signed = await signOk(client, upload.id, { method: "PUT", key: upload.key, contentType: type, contentMd5: md5(data) });
    const res = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: bytes(data) });
    if (!res.ok) throw new Error(`PUT failed: ${res.status} ${await res.text()}`);
    return;
  }
  await sendParts(client, upload, await createMultipart(client, upload, type), data);
}

/** The body S3 expects to complete a multipart upload from its parts' ETags, in order. */
export const completeMultipartXml = (etags: string[]) =>
  `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;

/** Signs every part (and the completion) in one batch, sends the parts to storage, completes there. */
export async function sendParts(client: ApiClient, upload: Reservation, uploadId: string, data: Buffer): Promise<void> {
  const part = (n: number) => data.subarray((n - 1) * upload.partSize, Math.min(n * upload.partSize, data.length));
  const requests: unknown[] = [];
  for (let n = 1; n <= upload.maxParts; n++) requests.push({ method: "PUT", key: upload.key, uploadId, partNumber: n, contentMd5: md5(part(n)) });
  requests.push({ method: "POST", key: upload.key, uploadId });
  const { results } = await signOk(client, upload.id, { requests });
  const etags: string[] = [];
  for (let n = 1; n <= upload.maxParts; n++) {
    const res = await fetch(results[n - 1].url, { method: "PUT", headers: results[n - 1].headers, body: bytes(part(n)) });
    if (!res.ok) throw new Error(`part ${n} failed: ${res.status} ${await res.text()}`);
    etags.push(res.headers.get("etag")!);
  }
  const done = await fetch(results[upload.maxParts].url, { method: "POST", headers: { "content-type": "application/xml" }, body: completeMultipartXml(etags) });
  if (!done.ok) throw new Error(`complete multipart failed: ${done.status} ${await done.text()}`);
}

export async function complete(client: ApiClient, uploadId: string): Promise<JsonResponse> {
  return client.json("POST", `/api/uploads/${uploadId}/complete`);
}

/** The whole flow; throws unless the file ends READY. */
export async function uploadFile(client: ApiClient, data: Buffer, args: { name: string; type: string }) {
  const upload = await reserve(client, { ...args, size: data.length });
  await sendBytes(client, upload, data, args.type);
  const done = await complete(client, upload.id);
  if (done.status !== 200) throw new Error(`complete failed: ${done.status} ${JSON.stringify(done.body)}`);
  return { upload, file: done.body.file as { id: string; name: string; size: number; type: string } };
}

/** Follows the app's 302 to storage and returns the bytes and storage's response headers. */
export async function download(client: ApiClient, fileId: string) {
  const redirect = await client.request(`/api/files/${fileId}/download`);
  if (redirect.status !== 302) throw new Error(`download answered ${redirect.status}`);
  const location = redirect.headers.get("location")!;
  const res = await fetch(location);
  return { location, status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Bytes to upload without holding them all: a benchmark repeats one block, a test slices a Buffer. */
export interface ByteSource {
  size: number;
  slice(start: number, end: number): Buffer;
}

export const bufferSource = (data: Buffer): ByteSource => ({ size: data.length, slice: (start, end) => data.subarray(start, end) });

/** Valet's browser API over an ApiClient (its session or token, its address): refusals become ApiErrors, as in the browser. */
export function signerApi(client: ApiClient, onCall: () => void = () => undefined): ValetApi {
  return createValetApi((path, init) => {
    onCall();
    return client.request(path, {
      method: init.method,
      headers: init.body === undefined ? undefined : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  });
}

/**
 * Uploads exactly as the browser does, through the browser's own UploadSigner: the requests
 * Uppy makes, in Uppy's order (parts one after another), bytes straight to storage, then the
 * completion call (retried while Valet is unreachable, as the uploader does). `afterPart` lets a
 * test break something mid-upload.
 */
export async function uploadWithSigner(args: {
  api: ValetApi;
  source: ByteSource;
  name: string;
  type: string;
  retry?: Partial<RetryPolicy>;
  afterPart?: (partNumber: number) => Promise<void>;
}): Promise<{ upload: UploadReservation; file: FileSummary }> {
  const { api, source, type } = args;
  const arrayBufferOf = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  const data = { size: source.size, slice: (start: number, end: number) => ({ arrayBuffer: async () => arrayBufferOf(source.slice(start, end)) }) };
  const local = { name: args.name, size: source.size, type, data };
  const signer = new UploadSigner({ file: () => local }, api, { retry: args.retry });
  const toStorage = async (url: string, init: RequestInit) => {
    const res = await fetch(url, init);
    if (!res.ok) throw new Error(`storage ${init.method}: ${res.status} ${await res.text()}`);
    return res;
  };
  const plan = planUpload(source.size);
  if (plan.strategy === "single") {
    const signed = await signer.signRequest({ method: "PUT", key: `${PENDING_KEY_PREFIX}f`, contentType: type });
    await toStorage(signed.url, { method: "PUT", headers: signed.headers, body: bytes(source.slice(0, source.size)) });
  } else {
    const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f` });
    const xml = await (await toStorage(created.url, { method: "POST", headers: created.headers })).text();
    const s3UploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)![1]!;
    const etags: string[] = [];
    for (let n = 1; n <= plan.partCount; n++) {
      const part = await signer.signRequest({ method: "PUT", key: created.key, uploadId: s3UploadId, partNumber: n });
      const start = (n - 1) * plan.partSize;
      const res = await toStorage(part.url, { method: "PUT", headers: part.headers, body: bytes(source.slice(start, Math.min(start + plan.partSize, source.size))) });
      etags.push(res.headers.get("etag")!);
      await args.afterPart?.(n);
    }
    const done = await signer.signRequest({ method: "POST", key: created.key, uploadId: s3UploadId });
    await toStorage(done.url, { method: "POST", headers: { "content-type": "application/xml" }, body: completeMultipartXml(etags) });
  }
  const upload = signer.reservationFor("f")!;
  const file = await retryWhileUnavailable(() => api.completeUpload(upload.id), { maxWaitMs: 120_000, ...args.retry });
  return { upload, file };
}
