// A Node client that uploads exactly as the browser does (lib/upload-flow.ts with Valet's
// UploadSigner, through the test helper that drives it), counting its requests to the app.
import type { ApiClient } from "../tests/helpers/api-client";
import { signerApi, uploadWithSigner } from "../tests/helpers/valet-upload";

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

export async function valetUpload(
  client: ApiClient,
  args: { name: string; size: number; type: string; block: Buffer },
): Promise<{ appRequests: number; fileId: string; key: string }> {
  let appRequests = 0;
  const api = signerApi(client, () => void (appRequests += 1));
  // Every part (or the whole single upload) carries the start of the same block.
  const source = { size: args.size, slice: (start: number, end: number) => args.block.subarray(0, end - start) };
  const { upload, file } = await uploadWithSigner({ api, source, name: args.name, type: args.type });
  return { appRequests, fileId: file.id, key: upload.key };
}
