// The typed client for Valet's API and the signer every uploader uses for its storage requests:
// Uppy in the browser, and the Node upload flow (lib/upload-flow.ts) behind the CLI, the
// benchmarks and the tests. Browser-safe: no server imports.
import { md5 } from "js-md5";

import type { ApiTokenDto, DeleteFilesResultDto, FileDto, FileListItemDto, ShareDto, SignedRequestDto, UploadDto } from "./dto";
import type { ErrorCode } from "./errors";
import type { Scope } from "./scopes";
import { MAX_SIGN_BATCH } from "./upload-policy";
import type { DeleteFilesInput } from "./validation/files";
import type { PresignableRequest } from "./validation/uploads";
import type { CreateWebhookInput, UpdateWebhookInput } from "./validation/webhooks";
import type { WebhookDeliverySummary, WebhookEndpointSummary, WebhookEndpointWithSecret } from "./webhooks";

export type UploadReservation = UploadDto;

export type FileSummary = FileDto;

export type FileListItem = FileListItemDto;

export type ShareSummary = ShareDto;

export type ApiTokenSummary = ApiTokenDto;

export type SignedRequest = SignedRequestDto;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "network_error",
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Sends one API request (JSON body, if any) and returns the response; rejects only when nothing answered. */
export type Transport = (path: string, init: { method: string; body?: unknown }) => Promise<Response>;

/** The browser's transport: same-origin fetch with the session cookie. */
const browserTransport: Transport = (path, init) =>
  fetch(path, {
    method: init.method,
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: "same-origin",
  });

/** Every answer that is not 2xx becomes an ApiError with the server's code and message. */
function caller(transport: Transport) {
  return async function call<T>(path: string, init: { method: string; body?: unknown }): Promise<T> {
    let response: Response;
    try {
      response = await transport(path, init);
    } catch {
      throw new ApiError(0, "network_error", "Could not reach Valet. Check your connection and try again.");
    }
    if (response.status === 204) return undefined as T;
    const data = (await response.json().catch(() => null)) as { error?: { code: ErrorCode; message: string } } | null;
    if (!response.ok) {
      throw new ApiError(response.status, data?.error?.code ?? "internal", data?.error?.message ?? `Request failed (${response.status}).`);
    }
    return data as T;
  };
}

/** Valet's API over any transport: the browser's fetch here; tests and benchmarks pass their own. */
export function createValetApi(transport: Transport) {
  const call = caller(transport);
  return {
    reserveUpload: (body: { name: string; size: number; type: string }) =>
      call<{ upload: UploadReservation }>("/api/uploads", { method: "POST", body }).then((r) => r.upload),
    sign: (uploadId: string, request: PresignableRequest) => call<SignedRequest>(`/api/uploads/${uploadId}/sign`, { method: "POST", body: request }),
    signBatch: (uploadId: string, requests: PresignableRequest[]) =>
      call<{ results: SignedRequest[] }>(`/api/uploads/${uploadId}/sign`, { method: "POST", body: { requests } }).then((r) => r.results),
    getUpload: (uploadId: string) => call<{ upload: UploadReservation }>(`/api/uploads/${uploadId}`, { method: "GET" }).then((r) => r.upload),
    stagedBlocks: (uploadId: string) => call<{ parts: number[] }>(`/api/uploads/${uploadId}/blocks`, { method: "GET" }).then((r) => r.parts),
    completeUpload: (uploadId: string) => call<{ file: FileSummary }>(`/api/uploads/${uploadId}/complete`, { method: "POST" }).then((r) => r.file),
    abortUpload: (uploadId: string) => call<void>(`/api/uploads/${uploadId}`, { method: "DELETE" }),
    deleteFile: (fileId: string) => call<void>(`/api/files/${fileId}`, { method: "DELETE" }),
    deleteFiles: (body: DeleteFilesInput) => call<DeleteFilesResultDto>("/api/files/delete", { method: "POST", body }),
    createShare: (fileId: string, body: { expiresInSeconds?: number; maxDownloads?: number | null; password?: string }) =>
      call<{ share: ShareSummary & { url: string } }>(`/api/files/${fileId}/shares`, { method: "POST", body }).then((r) => r.share),
    listShares: (fileId: string) => call<{ shares: ShareSummary[] }>(`/api/files/${fileId}/shares`, { method: "GET" }).then((r) => r.shares),
    revokeShare: (shareId: string) => call<void>(`/api/shares/${shareId}`, { method: "DELETE" }),
    claimAdmin: (token: string) => call<{ ok: true }>("/api/setup", { method: "POST", body: { token } }),
    createToken: (body: { name: string; expiresInDays?: number | null; scopes?: Scope[] }) =>
      call<{ token: ApiTokenSummary & { secret: string } }>("/api/tokens", { method: "POST", body }).then((r) => r.token),
    listTokens: () => call<{ tokens: ApiTokenSummary[] }>("/api/tokens", { method: "GET" }).then((r) => r.tokens),
    revokeToken: (tokenId: string) => call<void>(`/api/tokens/${tokenId}`, { method: "DELETE" }),
    listWebhooks: () => call<{ endpoints: WebhookEndpointSummary[] }>("/api/admin/webhooks", { method: "GET" }).then((r) => r.endpoints),
    createWebhook: (body: CreateWebhookInput) =>
      call<{ endpoint: WebhookEndpointWithSecret }>("/api/admin/webhooks", { method: "POST", body }).then((r) => r.endpoint),
    updateWebhook: (endpointId: string, body: UpdateWebhookInput) =>
      call<{ endpoint: WebhookEndpointSummary }>(`/api/admin/webhooks/${endpointId}`, { method: "PATCH", body }).then((r) => r.endpoint),
    deleteWebhook: (endpointId: string) => call<void>(`/api/admin/webhooks/${endpointId}`, { method: "DELETE" }),
    rotateWebhookSecret: (endpointId: string) =>
      call<{ endpoint: WebhookEndpointWithSecret }>(`/api/admin/webhooks/${endpointId}/secret`, { method: "POST" }).then((r) => r.endpoint),
    redeliverWebhook: (deliveryId: string) =>
      call<{ delivery: WebhookDeliverySummary }>(`/api/admin/webhook-deliveries/${deliveryId}/redeliver`, { method: "POST" }).then((r) => r.delivery),
  };
}

export type ValetApi = ReturnType<typeof createValetApi>;

export const valetApi = createValetApi(browserTransport);

/** Uppy proposes this key; the signer swaps it for the server-chosen one at the first request. */
export const PENDING_KEY_PREFIX = "valet-pending/";

/**
 * Storage answered 412 to a single PUT: the object already exists. Every single PUT is signed
 * with If-None-Match, so this means an earlier attempt landed and only its answer was lost (a
 * retry after a dropped connection): the bytes are there, and completion verifies them.
 */
export function isAlreadyStored(error: unknown): boolean {
  const status = typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  // Azure answers If-None-Match: * on an existing blob with 409 BlobAlreadyExists.
  return status === 412 || status === 409;
}

/** Valet itself is unreachable or overloaded (restarting, deploying): worth waiting for. */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504);
}

export interface RetryPolicy {
  /** Give up after this long without an answer that is not transient. */
  maxWaitMs: number;
  /** Called before each wait, so the UI can say what is happening. */
  onWait?: (error: ApiError, attempt: number) => void;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 5000];

/** Runs `call`, retrying while Valet is unreachable or answers 502/503/504, up to `maxWaitMs`. */
export async function retryWhileUnavailable<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const deadline = Date.now() + policy.maxWaitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]!;
      if (!isTransient(error) || Date.now() + delay > deadline) throw error;
      policy.onWait?.(error as ApiError, attempt + 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** What the signer needs of a file's bytes: slices it can read (a Blob or File is one). */
export interface FileBytes {
  size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export interface LocalFile {
  name: string;
  size: number;
  type: string;
  /** With bytes, every PUT is signed with the MD5 of exactly what it will carry. */
  data?: FileBytes;
  /** The reservation made for this file before a reload, if any. */
  reservationId?: string;
}

/** Where the signer finds files: Uppy's state in the browser, a plain object elsewhere. */
export interface SignerHost {
  file(fileId: string): LocalFile | undefined;
  /** The file an object key belongs to, for requests that name only the key (after a reload). */
  fileIdForKey?(key: string): string | undefined;
  /** Keeps the reservation with the file so that a reloaded page can resume it. */
  remember?(fileId: string, reservationId: string): void;
}

export type SignerApi = Pick<ValetApi, "reserveUpload" | "getUpload" | "sign" | "signBatch">;

/** MD5 of bytes, base64: what S3's Content-MD5 carries. */
export function md5Base64(bytes: ArrayBuffer): string {
  return md5.base64(bytes);
}

/**
 * Computes the base64 MD5 of bytes [start, end) of a file. The browser passes one that hashes in a
 * Web Worker (lib/md5-hasher.ts); the default hashes here, which is what Node wants.
 */
export type PartHasher = (data: FileBytes, start: number, end: number) => Promise<string>;

export const hashHere: PartHasher = async (data, start, end) => md5Base64(await data.slice(start, end).arrayBuffer());

/**
 * Part digests for one file, computed one part after another and ahead of the upload, so that
 * a batch of part URLs can be signed with their checksums without stalling the upload.
 */
class PartDigests {
  private readonly digests = new Map<number, Promise<string>>();
  private readonly done = new Set<number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly data: FileBytes,
    private readonly upload: UploadReservation,
    private readonly hash: PartHasher,
  ) {}

  /** Queues parts first..last for hashing (in order, one at a time). */
  prepare(first: number, last: number): void {
    for (let n = first; n <= Math.min(last, this.upload.maxParts); n++) {
      if (this.digests.has(n)) continue;
      const start = (n - 1) * this.upload.partSize;
      const end = Math.min(start + this.upload.partSize, this.upload.size);
      const digest = this.tail.then(() => this.hash(this.data, start, end));
      this.tail = digest.catch(() => undefined);
      this.digests.set(n, digest);
      void digest.then(
        () => this.done.add(n),
        () => undefined,
      );
    }
  }

  get(n: number): Promise<string> {
    this.prepare(n, n);
    return this.digests.get(n)!;
  }

  ready(n: number): boolean {
    return this.done.has(n);
  }

  /** A signed part does not need its digest again (a re-sign hashes it afresh). */
  drop(n: number): void {
    this.digests.delete(n);
    this.done.delete(n);
  }
}

interface Prefetched extends SignedRequest {
  receivedAt: number;
}

export interface SignerOptions {
  retry?: Partial<RetryPolicy>;
  hash?: PartHasher;
  /**
   * How many parts the uploader sends at once. The first batch waits for this many digests, since
   * that many part requests arrive together; later batches take whatever is hashed by then.
   */
  partConcurrency?: number;
}

/**
 * Implements @uppy/aws-s3's `signRequest`. It reserves the upload on first use, and fetches
 * part URLs in batches (plus the completion URL with the last batch). When it has the file's
 * bytes it signs each PUT with their MD5 (hashing parts ahead of the upload), so storage refuses
 * a part that is not exactly what was read. Parts are requested several at a time: a request for
 * a part whose batch is already on its way waits for that batch instead of signing alone. While
 * Valet is unreachable it keeps retrying; parts whose URLs it already holds carry on meanwhile.
 */
export class UploadSigner {
  private readonly reservations = new Map<string, UploadReservation>();
  private readonly pendingReservations = new Map<string, Promise<UploadReservation>>();
  private readonly prefetched = new Map<string, Prefetched>();
  /** Batches on their way, under the cache key of every target they sign. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly digests = new Map<string, PartDigests>();
  private readonly retry: RetryPolicy;
  private readonly hash: PartHasher;
  private readonly partConcurrency: number;

  constructor(
    private readonly host: SignerHost,
    private readonly api: SignerApi = valetApi,
    options: SignerOptions = {},
  ) {
    this.retry = { maxWaitMs: 120_000, ...options.retry };
    this.hash = options.hash ?? hashHere;
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 1);
  }

  reservationFor(fileId: string): UploadReservation | undefined {
    return this.reservations.get(fileId);
  }

  /** After completion, rejection or cancel: a retry must reserve afresh. */
  forget(fileId: string): void {
    const upload = this.reservations.get(fileId);
    this.reservations.delete(fileId);
    this.pendingReservations.delete(fileId);
    if (upload) this.digests.delete(upload.id);
  }

  /** The reservation behind a key (made on first use), for flows that choose their requests by its strategy. */
  async reservation(key: string): Promise<UploadReservation> {
    return (await this.uploadForKey(key)).upload;
  }

  readonly signRequest = async (request: PresignableRequest): Promise<{ url: string; key: string; headers?: Record<string, string> }> => {
    const { fileId, upload } = await this.uploadForKey(request.key);
    const resolved: PresignableRequest = { ...request, key: upload.key };
    const { url, headers } = await this.signOne(fileId, upload, resolved);
    return { url, key: upload.key, headers };
  };

  private async uploadForKey(key: string): Promise<{ fileId: string; upload: UploadReservation }> {
    const fileId = key.startsWith(PENDING_KEY_PREFIX) ? key.slice(PENDING_KEY_PREFIX.length) : this.fileIdForKey(key);
    if (fileId === undefined) throw new Error("No reservation for this upload; remove the file and add it again.");
    const existing = this.reservations.get(fileId);
    if (existing) return { fileId, upload: existing };
    // Concurrent first requests for one file share one reservation.
    let pending = this.pendingReservations.get(fileId);
    if (!pending) {
      pending = this.reserve(fileId);
      this.pendingReservations.set(fileId, pending);
    }
    try {
      const upload = await pending;
      if (upload.key !== key && !key.startsWith(PENDING_KEY_PREFIX))
        throw new Error("This file's reservation is for another object; remove the file and add it again.");
      this.reservations.set(fileId, upload);
      return { fileId, upload };
    } finally {
      this.pendingReservations.delete(fileId);
    }
  }

  private fileIdForKey(key: string): string | undefined {
    for (const [fileId, upload] of this.reservations) if (upload.key === key) return fileId;
    return this.host.fileIdForKey?.(key);
  }

  /** A reservation kept from before a reload is reused while it is still pending; else a new one. */
  private async reserve(fileId: string): Promise<UploadReservation> {
    const file = this.host.file(fileId);
    if (!file) throw new Error("This file is no longer in the upload list.");
    if (file.reservationId) {
      const kept = await this.withRetry(() => this.api.getUpload(file.reservationId!)).catch(() => undefined);
      if (kept?.status === "PENDING") return kept;
    }
    const upload = await this.withRetry(() => this.api.reserveUpload({ name: file.name, size: file.size, type: file.type }));
    this.host.remember?.(fileId, upload.id);
    return upload;
  }

  private withRetry<T>(call: () => Promise<T>): Promise<T> {
    return retryWhileUnavailable(call, this.retry);
  }

  private async signOne(fileId: string, upload: UploadReservation, request: PresignableRequest): Promise<SignedRequest> {
    const { uploadId, partNumber } = request;
    if (request.method !== "PUT") {
      // Creating the multipart upload: start hashing the first parts while that request is out.
      if (request.method === "POST" && uploadId === undefined) this.digestsFor(fileId, upload)?.prepare(1, MAX_SIGN_BATCH);
      // The completion URL may have come with the last batch of parts.
      const cached = request.method === "POST" && uploadId !== undefined ? await this.signedEarlier(`${uploadId}:complete`) : undefined;
      return cached ?? this.withRetry(() => this.api.sign(upload.id, request));
    }
    // Every PUT is signed with the MD5 of exactly the bytes it carries, so the bytes must be here.
    const digests = this.digestsFor(fileId, upload);
    if (!digests) throw new Error("This file's contents are not available any more. Remove it and choose it again.");
    if (partNumber === undefined) {
      // A single PUT: the whole file is at most the multipart threshold, hashed in one go.
      return this.withRetry(async () => this.api.sign(upload.id, { ...request, contentMd5: await digests.get(1) }));
    }
    // An Azure block is a part without an uploadId.
    const cacheKey = `${uploadId ?? BLOCKS}:${partNumber}`;
    for (;;) {
      const cached = await this.signedEarlier(cacheKey);
      if (cached) return cached;
      // Another request may have claimed this part while we waited; if not, claim it now (the
      // claim happens before signBatchFrom's first await, so nobody can slip in between).
      if (!this.inFlight.has(cacheKey)) return this.signBatchFrom(upload, digests, uploadId, partNumber);
    }
  }

  /**
   * Signs part `first` and the parts after it that are hashed by now (at least as many as are
   * sent at once), in one call; the completion URL comes along with the last part. The others'
   * URLs wait in `prefetched` for their part's request.
   */
  private async signBatchFrom(upload: UploadReservation, digests: PartDigests, uploadId: string | undefined, first: number): Promise<SignedRequest> {
    const last = Math.min(first + MAX_SIGN_BATCH - 1, upload.maxParts);
    digests.prepare(first, last);
    const cacheKey = (n: number | undefined) => `${uploadId ?? BLOCKS}:${n ?? "complete"}`;
    const taken = (n?: number) => {
      const held = this.prefetched.get(cacheKey(n));
      return this.inFlight.has(cacheKey(n)) || (held !== undefined && stillFresh(held));
    };
    // Parts about to be requested together are worth waiting for: one call signs them all.
    const together = Math.min(first + this.partConcurrency - 1, last);
    const parts = [first];
    for (let n = first + 1; n <= last && !taken(n) && (n <= together || digests.ready(n)); n++) parts.push(n);
    const lastSigned = parts.at(-1)!;
    // Blocks have no completion request in storage: Valet commits them.
    const withCompletion = uploadId !== undefined && lastSigned === upload.maxParts && parts.length < MAX_SIGN_BATCH && !taken(undefined);
    const targets: Array<number | undefined> = withCompletion ? [...parts, undefined] : parts;

    // Claimed before the digests are awaited, so that requests for these parts arriving meanwhile wait for this call.
    const call = (async () => {
      const batch: PresignableRequest[] = await Promise.all(
        targets.map(async (n) =>
          n === undefined
            ? { method: "POST" as const, key: upload.key, uploadId }
            : { method: "PUT" as const, key: upload.key, ...(uploadId === undefined ? {} : { uploadId }), partNumber: n, contentMd5: await digests.get(n) },
        ),
      );
      return this.withRetry(() => this.api.signBatch(upload.id, batch));
    })();
    const claimed = targets.map(cacheKey);
    const others = claimed.slice(1);
    for (const key of claimed) this.inFlight.set(key, call);
    try {
      const results = await call;
      const receivedAt = Date.now();
      for (const n of parts) digests.drop(n);
      others.forEach((key, i) => this.prefetched.set(key, { ...results[i + 1]!, receivedAt }));
      if (lastSigned < upload.maxParts) digests.prepare(lastSigned + 1, lastSigned + MAX_SIGN_BATCH);
      return results[0]!;
    } finally {
      for (const key of claimed) if (this.inFlight.get(key) === call) this.inFlight.delete(key);
    }
  }

  /**
   * A URL signed ahead of time for this target, if it still has a good part of its life left
   * (used once). While the batch that signs it is on its way, waits for that batch.
   */
  private async signedEarlier(cacheKey: string): Promise<SignedRequest | undefined> {
    for (let pending = this.inFlight.get(cacheKey); pending; pending = this.inFlight.get(cacheKey)) await pending.catch(() => undefined);
    const cached = this.prefetched.get(cacheKey);
    if (!cached) return undefined;
    this.prefetched.delete(cacheKey);
    return stillFresh(cached) ? cached : undefined;
  }

  private digestsFor(fileId: string, upload: UploadReservation): PartDigests | undefined {
    const existing = this.digests.get(upload.id);
    if (existing) return existing;
    const data = this.host.file(fileId)?.data;
    if (!data || data.size !== upload.size) return undefined;
    const digests = new PartDigests(data, upload.strategy === "single" ? { ...upload, partSize: upload.size, maxParts: 1 } : upload, this.hash);
    this.digests.set(upload.id, digests);
    return digests;
  }
}

/** The cache key's stand-in for an uploadId on Azure, where blocks have none. */
const BLOCKS = "blocks";

/**
 * A prefetched URL is used only while it has a good part of its life left: at least a minute,
 * or half its lifetime when URLs are short-lived. A URL that would expire mid-wait is re-signed.
 */
function stillFresh(signed: Prefetched, now = Date.now()): boolean {
  const expiresAt = Date.parse(signed.expiresAt);
  return expiresAt - now > Math.min(60_000, (expiresAt - signed.receivedAt) / 2);
}
