// A Web Worker that computes Content-MD5 digests off the page's main thread. It receives a Blob
// (a slice of the File: structured-cloning it copies no bytes) and reads it in steps, so a large
// part never sits in memory twice. Loaded by lib/md5-hasher.ts with `new Worker(new URL(...))`,
// which Next's bundler compiles into its own chunk.
import { md5 } from "js-md5";

/** What the page asks: the digest of one Blob. */
export interface Md5Request {
  id: number;
  blob: Blob;
}

/** What the worker answers: the base64 digest, or why it could not read the bytes. */
export type Md5Response = { id: number; md5: string } | { id: number; error: string };

const READ_STEP_BYTES = 4 * 1024 * 1024;

async function digest(blob: Blob): Promise<string> {
  const hash = md5.create();
  for (let offset = 0; offset < blob.size; offset += READ_STEP_BYTES) {
    hash.update(await blob.slice(offset, offset + READ_STEP_BYTES).arrayBuffer());
  }
  return hash.base64();
}

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<Md5Request>) => void) | null; postMessage(message: Md5Response): void };

scope.onmessage = ({ data: { id, blob } }) => {
  digest(blob).then(
    (md5) => scope.postMessage({ id, md5 }),
    (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
