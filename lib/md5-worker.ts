// A Web Worker that computes Content-MD5 digests off the page's main thread. It receives a Blob
// (a slice of the File: structured-cloning it copies no bytes) and reads it in steps, so a large
// part never sits in memory twice. Loaded by lib/md5-hasher.ts with `new Worker(new URL(...))`,
// which Next's bundler compiles into its own chunk.
//
// MD5 in WebAssembly (hash-wasm): 2.8× js-md5 here (400 vs 141 MiB/s in Node on this machine),
// and hashing competes with the upload for the CPU. WebCrypto has no MD5. The worker script is
// one of Next's static chunks, served without the pages' Content-Security-Policy, so compiling
// WebAssembly here needs no 'wasm-unsafe-eval' on the pages.
import { createMD5 } from "hash-wasm";

/** What the page asks: the digest of one Blob. */
export interface Md5Request {
  id: number;
  blob: Blob;
}

/** What the worker answers: the base64 digest, or why it could not read the bytes. */
export type Md5Response = { id: number; md5: string } | { id: number; error: string };

const READ_STEP_BYTES = 4 * 1024 * 1024;

/** One hasher for the worker's life, reset per digest (parts are hashed one after another). */
const hasher = createMD5();

async function digest(blob: Blob): Promise<string> {
  const hash = await hasher;
  hash.init();
  for (let offset = 0; offset < blob.size; offset += READ_STEP_BYTES) {
    hash.update(new Uint8Array(await blob.slice(offset, offset + READ_STEP_BYTES).arrayBuffer()));
  }
  let binary = "";
  for (const byte of hash.digest("binary")) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<Md5Request>) => void) | null; postMessage(message: Md5Response): void };

// One digest at a time, in the order asked: the hasher is shared, and several files' parts may be
// asked for at once.
let queue: Promise<unknown> = Promise.resolve();

scope.onmessage = ({ data: { id, blob } }) => {
  queue = queue.then(() =>
    digest(blob).then(
      (md5) => scope.postMessage({ id, md5 }),
      (error: unknown) => scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
    ),
  );
};
