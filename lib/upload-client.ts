// The browser's typed client for Valet's API, and the signer Uppy calls for every storage
// request. Browser-safe: no server imports.
import type { ApiTokenDto, FileDto, ShareDto } from "./dto";
import type { ErrorCode } from "./errors";
import { MAX_SIGN_BATCH } from "./upload-policy";
import type { PresignableRequest } from "./validation/uploads";

export interface UploadReservation {
  id: string;
  key: string;
  name: string;
  size: number;
  type: string;
  status: string;
  strategy: "single" | "multipart";
  partSize: number;
  maxParts: number;
  expiresAt: string;
}

export type FileSummary = FileDto;

export type ShareSummary = ShareDto;

export type ApiTokenSummary = ApiTokenDto;

export interface SignedRequest {
  url: string;
  key: string;
  headers?: Record<string, string>;
  expiresAt: string;
}

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

async function call<T>(path: string, init: { method: string; body?: unknown }): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method,
      headers: init.body === undefined ? undefined : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network_error", "Could not reach Valet. Check your connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as { error?: { code: ErrorCode; message: string } } | null;
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.code ?? "internal", data?.error?.message ?? `Request failed (${response.status}).`);
  }
  return data as T;
}

export const valetApi = {
  signUp: (body: { email: string; password: string; name?: string }) => call<{ user: { id: string } }>("/api/users", { method: "POST", body }),
  reserveUpload: (body: { name: string; size: number; type: string }) =>
    call<{ upload: UploadReservation }>("/api/uploads", { method: "POST", body }).then((r) => r.upload),
  sign: (uploadId: string, request: PresignableRequest) => call<SignedRequest>(`/api/uploads/${uploadId}/sign`, { method: "POST", body: request }),
  signBatch: (uploadId: string, requests: PresignableRequest[]) =>
    call<{ results: SignedRequest[] }>(`/api/uploads/${uploadId}/sign`, { method: "POST", body: { requests } }).then((r) => r.results),
  completeUpload: (uploadId: string) => call<{ file: FileSummary }>(`/api/uploads/${uploadId}/complete`, { method: "POST" }).then((r) => r.file),
  abortUpload: (uploadId: string) => call<void>(`/api/uploads/${uploadId}`, { method: "DELETE" }),
  deleteFile: (fileId: string) => call<void>(`/api/files/${fileId}`, { method: "DELETE" }),
  createShare: (fileId: string, body: { expiresInSeconds?: number; maxDownloads?: number | null; password?: string }) =>
    call<{ share: ShareSummary & { url: string } }>(`/api/files/${fileId}/shares`, { method: "POST", body }).then((r) => r.share),
  listShares: (fileId: string) => call<{ shares: ShareSummary[] }>(`/api/files/${fileId}/shares`, { method: "GET" }).then((r) => r.shares),
  revokeShare: (shareId: string) => call<void>(`/api/shares/${shareId}`, { method: "DELETE" }),
  createToken: (body: { name: string; expiresInDays?: number | null }) =>
    call<{ token: ApiTokenSummary & { secret: string } }>("/api/tokens", { method: "POST", body }).then((r) => r.token),
  listTokens: () => call<{ tokens: ApiTokenSummary[] }>("/api/tokens", { method: "GET" }).then((r) => r.tokens),
  revokeToken: (tokenId: string) => call<void>(`/api/tokens/${tokenId}`, { method: "DELETE" }),
};

/** Uppy proposes this key; the signer swaps it for the server-chosen one at the first request. */
export const PENDING_KEY_PREFIX = "valet-pending/";
/** A prefetched URL is only used while it has at least this long to live. */
const URL_REUSE_MARGIN_MS = 60_000;

interface LocalFile {
  name: string;
  size: number;
  type: string;
}

/**
 * Implements @uppy/aws-s3's `signRequest`. It reserves the upload on first use, and fetches
 * part URLs in batches (plus the completion URL with the last batch), so a 1 GiB upload costs
 * the app five requests: reserve, create, two part batches, complete.
 */
export class UploadSigner {
  private readonly reservations = new Map<string, UploadReservation>();
  private readonly prefetched = new Map<string, SignedRequest>();

  constructor(
    private readonly lookupFile: (fileId: string) => LocalFile | undefined,
    private readonly api: Pick<typeof valetApi, "reserveUpload" | "sign" | "signBatch"> = valetApi,
  ) {}

  reservationFor(fileId: string): UploadReservation | undefined {
    return this.reservations.get(fileId);
  }

  /** After completion, rejection or cancel: a retry must reserve afresh. */
  forget(fileId: string): void {
    this.reservations.delete(fileId);
  }

  readonly signRequest = async (request: PresignableRequest): Promise<{ url: string; key: string; headers?: Record<string, string> }> => {
    const upload = await this.uploadForKey(request.key);
    const resolved: PresignableRequest = { ...request, key: upload.key };
    const { url, headers } = await this.signOne(upload, resolved);
    return { url, key: upload.key, headers };
  };

  private async uploadForKey(key: string): Promise<UploadReservation> {
    if (key.startsWith(PENDING_KEY_PREFIX)) {
      const fileId = key.slice(PENDING_KEY_PREFIX.length);
      const existing = this.reservations.get(fileId);
      if (existing) return existing;
      const file = this.lookupFile(fileId);
      if (!file) throw new Error("This file is no longer in the upload list.");
      const upload = await this.api.reserveUpload({ name: file.name, size: file.size, type: file.type });
      this.reservations.set(fileId, upload);
      return upload;
    }
    for (const upload of this.reservations.values()) if (upload.key === key) return upload;
    throw new Error("No reservation for this upload; remove the file and add it again.");
  }

  private async signOne(upload: UploadReservation, request: PresignableRequest): Promise<SignedRequest> {
    const { uploadId, partNumber } = request;
    const isPart = request.method === "PUT" && uploadId !== undefined && partNumber !== undefined;
    const isComplete = request.method === "POST" && uploadId !== undefined;
    if (!isPart && !isComplete) return this.api.sign(upload.id, request);

    const cacheKey = isPart ? `${uploadId}:${partNumber}` : `${uploadId}:complete`;
    const cached = this.prefetched.get(cacheKey);
    if (cached && Date.parse(cached.expiresAt) - Date.now() > URL_REUSE_MARGIN_MS) {
      this.prefetched.delete(cacheKey);
      return cached;
    }
    if (!isPart) return this.api.sign(upload.id, request);

    // Parts go one after another: sign this one and the next ones in a single call.
    const last = Math.min(partNumber + MAX_SIGN_BATCH - 1, upload.maxParts);
    const batch: PresignableRequest[] = [];
    for (let n = partNumber; n <= last && batch.length < MAX_SIGN_BATCH; n++) batch.push({ method: "PUT", key: upload.key, uploadId, partNumber: n });
    const includesComplete = last === upload.maxParts && batch.length < MAX_SIGN_BATCH;
    if (includesComplete) batch.push({ method: "POST", key: upload.key, uploadId });
    const results = await this.api.signBatch(upload.id, batch);
    results.forEach((result, i) => {
      const r = batch[i]!;
      this.prefetched.set(r.partNumber === undefined ? `${uploadId}:complete` : `${uploadId}:${r.partNumber}`, result);
    });
    this.prefetched.delete(cacheKey);
    return results[0]!;
  }
}
