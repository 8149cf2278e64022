// Uploads bytes through Valet's flow exactly as the browser does: reserve, sign, send the bytes
// straight to storage with the signed URLs, complete. Returns every step for assertions.
import type { ApiClient, JsonResponse } from "./api-client";

/** Node's fetch takes a Buffer; the DOM typings in tsconfig don't know that. */
export const bytes = (b: Buffer) => b as unknown as BodyInit;

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
    const signed = await signOk(client, upload.id, { method: "PUT", key: upload.key, contentType: type });
    const res = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: bytes(data) });
    if (!res.ok) throw new Error(`PUT failed: ${res.status} ${await res.text()}`);
    return;
  }
  const uploadId = await createMultipart(client, upload, type);
  const requests: unknown[] = [];
  for (let n = 1; n <= upload.maxParts; n++) requests.push({ method: "PUT", key: upload.key, uploadId, partNumber: n });
  requests.push({ method: "POST", key: upload.key, uploadId });
  const { results } = await signOk(client, upload.id, { requests });
  const etags: string[] = [];
  for (let n = 1; n <= upload.maxParts; n++) {
    const body = data.subarray((n - 1) * upload.partSize, Math.min(n * upload.partSize, data.length));
    const res = await fetch(results[n - 1].url, { method: "PUT", body: bytes(body) });
    if (!res.ok) throw new Error(`part ${n} failed: ${res.status} ${await res.text()}`);
    etags.push(res.headers.get("etag")!);
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  const done = await fetch(results[upload.maxParts].url, { method: "POST", headers: { "content-type": "application/xml" }, body: xml });
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
