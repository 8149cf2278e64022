// The steps of Valet's upload flow for tests: single requests to craft (reserve, sign, complete),
// and whole uploads through the flow the CLI and the browser's signer use (lib/upload-flow.ts).
import { createHash } from "node:crypto";

import { createValetApi, type FileSummary, type RetryPolicy, type UploadReservation, type ValetApi } from "@/lib/upload-client";
import { completeMultipartXml, sendThroughValet, uploadThroughValet } from "@/lib/upload-flow";

import type { ApiClient, JsonResponse } from "./api-client";

export { completeMultipartXml };

/** Node's fetch takes a Buffer; the DOM typings in tsconfig don't know that. */
export const bytes = (b: Buffer) => b as unknown as BodyInit;

/** What Content-MD5 carries: the base64 MD5 of the bytes. Every PUT Valet signs needs one. */
export const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("base64");

export type Reservation = UploadReservation;

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

/** Sends the bytes for an existing reservation through the flow, without Valet's completion call. */
export async function sendBytes(client: ApiClient, upload: Reservation, data: Buffer, type: string): Promise<void> {
  await sendThroughValet({ api: signerApi(client), source: fileBytes(bufferSource(data)), name: upload.name, type, reservationId: upload.id });
}

/** Sends every part of a multipart upload already created in storage, and completes it there. */
export async function sendParts(client: ApiClient, upload: Reservation, multipartUploadId: string, data: Buffer): Promise<void> {
  await sendThroughValet({
    api: signerApi(client),
    source: fileBytes(bufferSource(data)),
    name: upload.name,
    type: upload.type,
    reservationId: upload.id,
    multipartUploadId,
  });
}

export async function complete(client: ApiClient, uploadId: string): Promise<JsonResponse> {
  return client.json("POST", `/api/uploads/${uploadId}/complete`);
}

/** The whole flow; throws unless the file ends READY. */
export async function uploadFile(client: ApiClient, data: Buffer, args: { name: string; type: string }) {
  return uploadThroughValet({ api: signerApi(client), source: fileBytes(bufferSource(data)), ...args });
}

/** Polls GET /api/files/:id until `until` holds (a worker made the thumbnail, the checksum…), or fails after `timeoutMs`. */
export async function waitForFile(client: ApiClient, fileId: string, until: (file: FileSummary) => boolean, timeoutMs = 30_000): Promise<FileSummary> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await client.json<{ file: FileSummary }>("GET", `/api/files/${fileId}`);
    last = res.body;
    if (res.status === 200 && until(res.body.file)) return res.body.file;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`file ${fileId} did not get there in ${timeoutMs} ms; last answer: ${JSON.stringify(last)}`);
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

/** A ByteSource as the flow and the signer read files: slices that answer their bytes. */
export function fileBytes(source: ByteSource) {
  const arrayBufferOf = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  return { size: source.size, slice: (start: number, end: number) => ({ arrayBuffer: async () => arrayBufferOf(source.slice(start, end)) }) };
}

/**
 * Uploads through lib/upload-flow.ts with an API of the test's choosing (one that counts or
 * records calls). `partConcurrency: 1` sends parts one after another, for tests that break
 * something between two parts (`afterPart`).
 */
export async function uploadWithSigner(args: {
  api: ValetApi;
  source: ByteSource;
  name: string;
  type: string;
  partConcurrency?: number;
  retry?: Partial<RetryPolicy>;
  afterPart?: (partNumber: number) => Promise<void>;
}): Promise<{ upload: UploadReservation; file: FileSummary }> {
  return uploadThroughValet({ ...args, source: fileBytes(args.source) });
}
