// What went wrong with one file's upload, in words its owner can act on. Valet's own answers
// already carry the error table's message (lib/errors.ts); storage's answers arrive as an HTTP
// status and an S3 error code, which no user should have to read.

import { isErrorCode } from "./errors";

export interface UploadProblem {
  /** What happened, in one sentence. */
  message: string;
  /** Whether trying again (Uppy's Retry) can help. */
  canRetry: boolean;
}

/** What a storage (S3) refusal means for the person uploading, by S3 error code. */
const STORAGE_CODES: Record<string, UploadProblem> = {
  AccessDenied: {
    message: "Storage refused this upload's key (it may have expired while the file waited). Retry to get a fresh one.",
    canRetry: true,
  },
  ExpiredToken: { message: "The upload key expired before storage received the data. Retry to get a fresh one.", canRetry: true },
  SignatureDoesNotMatch: {
    message: "Storage did not accept the upload's signature. Retry; if it happens again, ask your administrator to check Valet's storage keys.",
    canRetry: true,
  },
  RequestTimeTooSkewed: {
    message: "Storage and Valet disagree about the time, so storage refused the key. Ask your administrator to check the server's clock.",
    canRetry: false,
  },
  BadDigest: {
    message: "The data that reached storage does not match the file's checksum (did the file change while it was uploading?). Retry, or add the file again.",
    canRetry: true,
  },
  RequestTimeout: { message: "Storage stopped waiting for the data (the connection was too slow or interrupted). Retry.", canRetry: true },
  NoSuchUpload: {
    message: "Storage no longer has this upload (it was cancelled or expired). Remove the file and add it again.",
    canRetry: false,
  },
  NoSuchBucket: { message: "Valet's storage is not set up (its bucket does not exist). Tell your administrator.", canRetry: false },
  EntityTooLarge: { message: "Storage refused the data as larger than was agreed for this upload. Add the file again.", canRetry: false },
  EntityTooSmall: { message: "Storage refused a part as smaller than it allows. Add the file again.", canRetry: false },
  InvalidPart: { message: "Storage could not find one of the parts it was sent. Retry; if it happens again, add the file again.", canRetry: true },
  MethodNotAllowed: {
    message: "Storage does not allow this kind of upload from the browser. Tell your administrator (storage settings).",
    canRetry: false,
  },
  SlowDown: { message: "Storage is busy. Retry in a moment.", canRetry: true },
  ServiceUnavailable: { message: "Storage is unavailable right now. Retry in a moment.", canRetry: true },
  InternalError: { message: "Storage had an internal error. Retry in a moment.", canRetry: true },
};

STORAGE_CODES.InvalidDigest = STORAGE_CODES.BadDigest!;
// Azure Blob Storage's names for the same refusals.
STORAGE_CODES.Md5Mismatch = STORAGE_CODES.BadDigest!;
STORAGE_CODES.AuthenticationFailed = STORAGE_CODES.AccessDenied!;
STORAGE_CODES.AuthorizationFailure = STORAGE_CODES.AccessDenied!;
STORAGE_CODES.AuthorizationPermissionMismatch = STORAGE_CODES.AccessDenied!;
STORAGE_CODES.ContainerNotFound = STORAGE_CODES.NoSuchBucket!;
STORAGE_CODES.ServerBusy = STORAGE_CODES.SlowDown!;

/** The same by HTTP status, when storage sent no code (or one not listed above). */
function storageStatusProblem(status: number): UploadProblem {
  if (status === 0) {
    return {
      // The browser hides storage's answer when it carries no CORS headers, which RGW leaves off
      // every request whose signature or expiry it refuses: this may be an expired key too.
      message:
        "Storage could not be reached, or refused the upload without saying why (its key may have expired). Retry; if it keeps happening, tell your administrator.",
      canRetry: true,
    };
  }
  if (status === 403) return STORAGE_CODES.AccessDenied!;
  if (status === 404) return STORAGE_CODES.NoSuchUpload!;
  if (status === 405) return STORAGE_CODES.MethodNotAllowed!;
  if (status === 408) return STORAGE_CODES.RequestTimeout!;
  if (status === 413) return STORAGE_CODES.EntityTooLarge!;
  if (status === 429 || status === 503) return STORAGE_CODES.SlowDown!;
  if (status >= 500) return STORAGE_CODES.InternalError!;
  return { message: `Storage refused the upload (HTTP ${status}). Retry; if it keeps happening, tell your administrator.`, canRetry: true };
}

/** Valet's own codes that are a final verdict on the file: trying again gives the same answer. */
const FINAL_VALET_CODES = new Set([
  "upload_rejected",
  "upload_quarantined",
  "type_not_allowed",
  "unsupported_media_type",
  "too_large",
  "quota_exceeded",
  "reservation_expired",
  "forbidden",
  "insufficient_scope",
]);

interface ErrorLike {
  message?: unknown;
  status?: unknown;
  code?: unknown;
  serviceCode?: unknown;
}

/**
 * One file's upload error, whichever part of the flow raised it: Valet's API (an `ApiError` with an
 * error-table code and message), storage (Uppy's S3 errors: `status` and `serviceCode`), the
 * network, or verification (Valet's verdict).
 */
export function describeUploadError(error: unknown): UploadProblem {
  const e = (typeof error === "object" && error !== null ? error : {}) as ErrorLike;
  const message = typeof e.message === "string" && e.message ? e.message : "The upload failed.";
  if (isErrorCode(e.code)) return { message, canRetry: !FINAL_VALET_CODES.has(e.code) };
  if (e.code === "network_error") return { message: "Valet could not be reached. Check your connection and retry.", canRetry: true };
  // Uppy's S3 errors, told apart by shape (class names do not survive minification).
  if (e.code === "NETWORK") return storageStatusProblem(0);
  if ("serviceCode" in e || /^S3 returned/.test(message)) {
    const serviceCode = typeof e.serviceCode === "string" ? e.serviceCode : undefined;
    if (serviceCode && Object.hasOwn(STORAGE_CODES, serviceCode)) return STORAGE_CODES[serviceCode]!;
    return storageStatusProblem(typeof e.status === "number" ? e.status : Number(/^S3 returned (\d+)/.exec(message)?.[1] ?? 0));
  }
  return { message, canRetry: true };
}
