// Uppy's uploader for Azure Blob Storage, on @uppy/core's plugin API. Not @azure/storage-blob's
// browser client: its uploadData chooses the block ids, sends blocks without the Content-MD5
// Valet pinned, and commits the block list itself, which is exactly what the browser must not
// decide here (the server commits at completion). What the Dashboard needs from an uploader is
// small: progress, cancel, retry, and requests under one limit across files and blocks.
//
// Every request is one Valet signed (lib/upload-client.ts's UploadSigner): a single Put Blob for
// a small file, or a Put Block per part (several in flight) for a large one. After a reload,
// blocks storage already holds are not sent again (Valet reads the uncommitted block list).
import { BasePlugin, type Body, type DefinePluginOpts, type Meta, type PluginOpts, type Uppy, type UppyFile } from "@uppy/core";

import { runParts } from "./part-scheduler";
import type { UploadReservation } from "./upload-client";
import type { PresignableRequest } from "./validation/uploads";

export interface AzureBlobOptions extends PluginOpts {
  /** Signs one storage request (UploadSigner.signRequest). */
  signRequest: (request: PresignableRequest) => Promise<{ url: string; key: string; headers?: Record<string, string> }>;
  /** The file's reservation, made on first use (UploadSigner.reservation). */
  reservation: (fileId: string) => Promise<UploadReservation>;
  /** Part numbers storage already holds for a block upload (resume after a reload). */
  stagedBlocks?: (reservation: UploadReservation) => Promise<number[]>;
  /** Storage requests in flight at once, blocks of one file or of several. */
  limit?: number;
}

/** Storage's refusal, shaped as the uploader's error words expect (status, serviceCode). */
export class AzureStorageError extends Error {
  constructor(
    readonly status: number,
    readonly serviceCode: string | undefined,
    what: string,
  ) {
    super(`Storage refused ${what} (HTTP ${status}${serviceCode ? `, ${serviceCode}` : ""}).`);
    this.name = "AzureStorageError";
  }
}

/** A few requests at a time, shared by every file. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** One PUT with upload progress (fetch has none), aborted by `signal`. */
function put(args: { url: string; headers?: Record<string, string>; body: Blob; signal: AbortSignal; onProgress: (sent: number) => void; what: string }) {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", args.url);
    for (const [name, value] of Object.entries(args.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => args.onProgress(event.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new AzureStorageError(xhr.status, xhr.getResponseHeader("x-ms-error-code") ?? undefined, args.what));
    xhr.onerror = () => reject(Object.assign(new Error("Storage could not be reached."), { code: "NETWORK" }));
    const abort = () => xhr.abort();
    xhr.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    args.signal.addEventListener("abort", abort, { once: true });
    xhr.send(args.body);
  });
}

export default class AzureBlob<M extends Meta, B extends Body> extends BasePlugin<DefinePluginOpts<AzureBlobOptions, "limit">, M, B> {
  static VERSION = "1.0.0";
  private readonly limiter: Limiter;
  private readonly controllers = new Map<string, AbortController>();

  constructor(uppy: Uppy<M, B>, opts: AzureBlobOptions) {
    super(uppy, { limit: 4, ...opts });
    this.id = opts.id ?? "AzureBlob";
    this.type = "uploader";
    this.limiter = new Limiter(Math.max(1, this.opts.limit));
  }

  private readonly cancel = (file: UppyFile<M, B> | undefined) => {
    if (file) this.controllers.get(file.id)?.abort();
  };
  private readonly cancelAll = () => {
    for (const controller of this.controllers.values()) controller.abort();
  };

  install(): void {
    this.uppy.addUploader(this.upload);
    this.uppy.on("file-removed", this.cancel);
    this.uppy.on("cancel-all", this.cancelAll);
  }

  uninstall(): void {
    this.uppy.removeUploader(this.upload);
    this.uppy.off("file-removed", this.cancel);
    this.uppy.off("cancel-all", this.cancelAll);
  }

  private readonly upload = async (fileIDs: string[]): Promise<void> => {
    const files = fileIDs.map((id) => this.uppy.getFile(id)).filter((f) => f && !f.progress.uploadComplete);
    if (files.length === 0) return;
    this.uppy.emit("upload-start", files);
    await Promise.allSettled(files.map((file) => this.uploadFile(file)));
  };

  private async uploadFile(file: UppyFile<M, B>): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(file.id, controller);
    const size = file.size ?? 0;
    const sent = new Map<number, number>();
    const progress = () => {
      const current = this.uppy.getFile(file.id);
      if (!current) return;
      let total = 0;
      for (const bytes of sent.values()) total += bytes;
      this.uppy.emit("upload-progress", current, { uploadStarted: current.progress.uploadStarted ?? Date.now(), bytesUploaded: total, bytesTotal: size });
    };
    try {
      if (!(file.data instanceof Blob)) throw new Error("This file's contents are not available any more. Remove it and choose it again.");
      const data = file.data;
      const reservation = await this.opts.reservation(file.id);
      const what = (n?: number) => (n === undefined ? "the upload" : `block ${n}`);
      if (reservation.strategy === "single") {
        // Retried like a block; signed with If-None-Match, so a retry whose first attempt landed
        // (only its answer was lost) meets 409 BlobAlreadyExists: the bytes are there, and
        // completion verifies them.
        await runParts({
          parts: [1],
          concurrency: 1,
          signal: controller.signal,
          send: async (_n, signal) => {
            const signed = await this.opts.signRequest({ method: "PUT", key: reservation.key, contentType: reservation.type });
            try {
              await this.limiter.run(() => put({ ...signed, body: data, signal, what: what(), onProgress: (bytes) => (sent.set(1, bytes), progress()) }));
            } catch (error) {
              if (!(error instanceof AzureStorageError && error.status === 409)) throw error;
            }
            return "";
          },
        });
      } else {
        const staged = new Set(this.opts.stagedBlocks ? await this.opts.stagedBlocks(reservation).catch(() => []) : []);
        const parts = Array.from({ length: reservation.maxParts }, (_, i) => i + 1);
        const length = (n: number) => Math.min(reservation.partSize, size - (n - 1) * reservation.partSize);
        for (const n of staged) sent.set(n, length(n));
        progress();
        await runParts({
          parts: parts.filter((n) => !staged.has(n)),
          concurrency: this.opts.limit,
          signal: controller.signal,
          send: async (n, signal) => {
            const signed = await this.opts.signRequest({ method: "PUT", key: reservation.key, partNumber: n });
            const start = (n - 1) * reservation.partSize;
            await this.limiter.run(() =>
              put({ ...signed, body: data.slice(start, start + length(n)), signal, what: what(n), onProgress: (bytes) => (sent.set(n, bytes), progress()) }),
            );
            return "";
          },
        });
      }
      this.uppy.emit("upload-success", this.uppy.getFile(file.id), { status: 201, body: {} as B, uploadURL: undefined });
    } catch (error) {
      if (controller.signal.aborted || !this.uppy.getFile(file.id)) return;
      // A part that failed all its attempts carries storage's answer as its cause.
      const reason = (error as { cause?: unknown }).cause instanceof AzureStorageError ? (error as { cause: AzureStorageError }).cause : error;
      this.uppy.emit("upload-error", this.uppy.getFile(file.id), reason as Error);
    } finally {
      this.controllers.delete(file.id);
    }
  }
}
