// The browser's part hasher: MD5 in a Web Worker (lib/md5-worker.ts), so that hashing a many-GiB
// file never blocks the page. Falls back to hashing on the main thread only where no worker can
// start, and says so in the console.
import type { Md5Request, Md5Response } from "./md5-worker";
import { hashHere, type FileBytes, type PartHasher } from "./upload-client";

/** The name of the performance entry each part's hashing leaves. */
export const MD5_MEASURE = "valet:md5";

type Pending = { resolve: (md5: string) => void; reject: (error: Error) => void };

/** The worker died with this part in it: hash the part on the page instead. */
class WorkerGone extends Error {}

/** One worker per page, started on first use; parts are hashed one after another (the signer queues them). */
export function createWorkerHasher(): PartHasher & { terminate(): void } {
  let worker: Worker | undefined;
  let failed = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const start = (): Worker | undefined => {
    if (worker || failed) return worker;
    try {
      worker = new Worker(new URL("./md5-worker.ts", import.meta.url), { name: "valet-md5" });
    } catch (error) {
      failed = true;
      console.warn("Valet: no Web Worker for hashing; hashing on the page instead.", error);
      return undefined;
    }
    worker.onmessage = ({ data }: MessageEvent<Md5Response>) => {
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if ("md5" in data) waiting?.resolve(data.md5);
      else waiting?.reject(new Error(`Could not read the file to check it: ${data.error}`));
    };
    // A worker that cannot load (blocked, or its script missing) fails every request it holds.
    worker.onerror = (event) => {
      event.preventDefault();
      failed = true;
      worker?.terminate();
      worker = undefined;
      console.warn("Valet: the hashing worker failed; hashing on the page instead.", event.message);
      for (const [, waiting] of pending) waiting.reject(new WorkerGone());
      pending.clear();
    };
    return worker;
  };

  const inWorker = (blob: Blob) =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      start()!.postMessage({ id, blob } satisfies Md5Request);
    });

  const hash = async (data: FileBytes, from: number, to: number): Promise<string> => {
    if (!(data instanceof Blob) || !start()) return hashHere(data, from, to);
    const began = performance.now();
    try {
      const digest = await inWorker(data.slice(from, to));
      // A User Timing entry per part (DevTools shows them; the benchmark sums them into MiB/s).
      performance.measure(MD5_MEASURE, { start: began, detail: { bytes: to - from } });
      return digest;
    } catch (error) {
      if (error instanceof WorkerGone) return hashHere(data, from, to);
      throw error;
    }
  };
  return Object.assign(hash, { terminate: () => worker?.terminate() });
}
