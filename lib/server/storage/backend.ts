import "server-only";

import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";

import { storageUnavailable } from "./availability";

// What every storage backend does for Valet. Services talk to this interface only; s3.ts and
// azure.ts implement it. Everything a browser may do to storage is a request signed here: one
// operation on one object, for a short time, with nothing else in it.

export type StorageKind = "s3" | "azure";

export interface PresignedRequest {
  url: string;
  /** Headers the request must carry exactly (Content-Length the client sets itself). */
  headers?: Record<string, string>;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
  /**
   * Without quotes. S3: the hex MD5 of a single PUT, or `md5-of-part-md5s-N` for a multipart
   * upload. Azure: the blob's opaque ETag, which changes on every write.
   */
  etag: string | undefined;
  /** Set where the bucket is versioned (S3 only). */
  versionId: string | undefined;
  /** What storage keeps with the object that Valet never signs (sent along by the uploader), as "Header: value". */
  unsignedAttributes: string[];
  /** The base64 Content-MD5 storage keeps for the whole object, where it keeps one (Azure's Put Blob). */
  contentMd5?: string | undefined;
}

/** What completion checks the landed bytes against: the reservation and the digests pinned when its URLs were signed. */
export interface ContentExpectation {
  key: string;
  /** The type the reservation declared (normalised). */
  contentType: string;
  strategy: "SINGLE" | "MULTIPART";
  size: number;
  partSize: number;
  partCount: number;
  /** Pinned base64 MD5s, in part order (one for a single upload). */
  digests: string[];
}

export interface DownloadArgs {
  key: string;
  versionId?: string | null;
  fileName: string;
  contentType: string;
  expiresIn: number;
  inline?: boolean;
}

export interface PendingMultipart {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

/** Told of every storage call's outcome (the availability probe listens). */
export interface StorageObserver {
  noteUnreachable(): void;
  noteAnswered(): void;
}

export interface StorageBackend {
  readonly kind: StorageKind;
  /** False when the main credential also signs browser requests (no separate upload and download keys). */
  readonly hasLeastPrivilegeKeys: boolean;
  /** Signs one browser operation. `signingDate` exists for tests that need an already-expired URL. */
  presign(operation: SignOperation, expiresIn: number, signingDate?: Date): Promise<PresignedRequest>;
  /** A GET for exactly the verified object that makes the browser save (or show) it under its name. */
  presignDownload(args: DownloadArgs): Promise<string>;
  headObject(key: string, versionId?: string | null): Promise<StoredObject | null>;
  /** The first `length` bytes of an object, for sniffing what it really is. */
  readHead(key: string, length: number, versionId?: string | null): Promise<Uint8Array>;
  deleteObject(key: string, versionId?: string | null): Promise<void>;
  /**
   * The whole object as a stream, for the workers (checksums, thumbnails): exactly the verified
   * bytes (that version, or refused with 412 when the object's ETag is no longer `etag`).
   */
  readObject(key: string, verified: { versionId?: string | null; etag?: string | null }): Promise<AsyncIterable<Uint8Array>>;
  /** Writes an object the server made itself (a thumbnail), with the main key. */
  putObject(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /**
   * Storage's part of completion, before verification: nothing on S3 (the browser completed the
   * multipart upload); on Azure the server commits the blocks the reservation allows.
   * Answers a reason when what landed cannot become this upload's object.
   */
  finishUpload(expected: ContentExpectation): Promise<string | null>;
  /** Why the stored bytes are not the ones signed, or null when they are. */
  contentFailure(expected: ContentExpectation, stored: StoredObject): Promise<string | null>;
  /**
   * Azure: the part numbers whose blocks storage holds uncommitted at their exact size, so a
   * reloaded page sends only the rest. S3 answers none (the browser asks storage itself: ListParts).
   */
  stagedParts(upload: { key: string; size: number; partSize: number; partCount: number }): Promise<number[]>;
  /** Does storage know this multipart upload on this key? null where it cannot tell. */
  multipartUploadExists(key: string, uploadId: string): Promise<boolean | null>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Unfinished multipart uploads (S3) or uncommitted blocks (Azure) under `prefix`. */
  listMultipartUploads(prefix: string): Promise<PendingMultipart[]>;
  /** Object keys under `prefix`, a page at a time. */
  objectKeyPages(prefix: string): AsyncGenerator<string[]>;
  listObjectKeys(prefix: string): Promise<string[]>;
  /** A rule that drops unfinished uploads after `days`; false where storage has none to set. */
  ensureAbortIncompleteRule(prefix: string, days: number): Promise<boolean>;
  ping(): Promise<void>;
  /** S3_SETUP_BUCKET / AZURE_SETUP_CONTAINER: create the bucket or container and its CORS rule (and S3's policy). */
  ensureBucket(args: { corsOrigins: string[]; principals?: { upload: string; download: string } }): Promise<void>;
}

/** Where Valet's objects live; every valet key is scoped below it. */
export const OBJECT_PREFIX = "users/";
/** Where the thumbnails the workers make live: written by the server, read through download URLs. */
export const THUMBNAIL_PREFIX = "thumbnails/";

/**
 * Response headers every download URL forces, whatever is stored with the object: a stored
 * Content-Encoding would make browsers decode bytes nobody verified, and caching is the app's call.
 */
export const DOWNLOAD_CACHE_CONTROL = "private, no-store";
export const DOWNLOAD_CONTENT_ENCODING = "identity";

/** The HTTP status storage answered with, if the error is storage's answer (AWS SDK or Azure SDK). */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof AppError) return undefined;
  const e = error as { $metadata?: { httpStatusCode?: number }; name?: string; statusCode?: number } | undefined;
  if (e?.$metadata?.httpStatusCode !== undefined) return e.$metadata.httpStatusCode;
  // @azure/core-rest-pipeline's RestError; a request that got no answer has no statusCode.
  return e?.name === "RestError" && typeof e.statusCode === "number" && e.statusCode > 0 ? e.statusCode : undefined;
}

/**
 * Maps "storage is down" (no HTTP answer, or a 5xx) to a 503 the client can act on. 501 Not
 * Implemented is an answer, not an outage: callers decide what a storage that lacks an operation means.
 */
export async function answerOrUnavailable<T>(call: () => Promise<T>, observer: StorageObserver | undefined): Promise<T> {
  let result: T;
  try {
    result = await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && (status < 500 || status === 501)) {
      observer?.noteAnswered();
      throw error; // a real answer; the caller decides
    }
    observer?.noteUnreachable();
    throw storageUnavailable(error);
  }
  observer?.noteAnswered();
  return result;
}
