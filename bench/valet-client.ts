// A Node client that uploads exactly as the browser does: Valet's UploadSigner (reserve on first
// request, part URLs fetched in batches, completion URL with the last batch), parts one after
// another straight to storage, then the completion call. It counts its requests to the app.
import { PENDING_KEY_PREFIX, UploadSigner, type SignedRequest, type UploadReservation } from "../lib/upload-client";
import { planUpload } from "../lib/upload-policy";
import type { PresignableRequest } from "../lib/validation/uploads";
import type { ApiClient } from "../tests/helpers/api-client";

/**
 * One buffer reused for every part: storage cost is what matters, not the bytes. It opens like
 * a ZIP archive, because completion checks that the first bytes match the declared type.
 */
export function payload(bytes: number): Buffer {
  const block = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  Buffer.concat([Buffer.from("504b0304", "hex"), Buffer.alloc(26)]).copy(block, 0);
  return block;
}

export async function valetUpload(client: ApiClient, args: { name: string; size: number; type: string; block: Buffer }): Promise<{ appRequests: number; fileId: string }> {
  let appRequests = 0;
  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    appRequests += 1;
    const res = await client.json(method, route, body);
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  let uploadId = "";
  const signer = new UploadSigner(() => ({ name: args.name, size: args.size, type: args.type }), {
    reserveUpload: async (body) => {
      const { upload } = await api<{ upload: UploadReservation }>("POST", "/api/uploads", body);
      uploadId = upload.id;
      return upload;
    },
    sign: (id: string, request: PresignableRequest) => api<SignedRequest>("POST", `/api/uploads/${id}/sign`, request),
    signBatch: async (id: string, requests: PresignableRequest[]) => (await api<{ results: SignedRequest[] }>("POST", `/api/uploads/${id}/sign`, { requests })).results,
  });
  const plan = planUpload(args.size);
  const bodyOf = (offset: number, length: number) => args.block.subarray(offset % args.block.length, (offset % args.block.length) + length);
  const toStorage = async (url: string, init: RequestInit) => {
    const res = await fetch(url, init);
    if (!res.ok) throw new Error(`storage ${init.method}: ${res.status} ${await res.text()}`);
    return res;
  };
  if (plan.strategy === "single") {
    const signed = await signer.signRequest({ method: "PUT", key: `${PENDING_KEY_PREFIX}f`, contentType: args.type });
    await toStorage(signed.url, { method: "PUT", headers: signed.headers, body: bodyOf(0, args.size) as unknown as BodyInit });
  } else {
    const created = await signer.signRequest({ method: "POST", key: `${PENDING_KEY_PREFIX}f` });
    const xml = await (await toStorage(created.url, { method: "POST", headers: created.headers })).text();
    const s3UploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)![1]!;
    const etags: string[] = [];
    for (let n = 1; n <= plan.partCount; n++) {
      const part = await signer.signRequest({ method: "PUT", key: created.key, uploadId: s3UploadId, partNumber: n });
      const length = n < plan.partCount ? plan.partSize : args.size - plan.partSize * (plan.partCount - 1);
      const res = await toStorage(part.url, { method: "PUT", body: bodyOf(0, length) as unknown as BodyInit });
      etags.push(res.headers.get("etag")!);
    }
    const done = await signer.signRequest({ method: "POST", key: created.key, uploadId: s3UploadId });
    const xmlBody = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    await toStorage(done.url, { method: "POST", headers: { "content-type": "application/xml" }, body: xmlBody });
  }
  const { file } = await api<{ file: { id: string } }>("POST", `/api/uploads/${uploadId}/complete`);
  return { appRequests, fileId: file.id };
}
