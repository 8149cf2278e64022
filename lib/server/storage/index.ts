import "server-only";

import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  S3Client,
  type HeadObjectCommandOutput,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { contentDisposition } from "@/lib/content-disposition";
import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";

import { env } from "../env";
import { createStorageProbe, storageUnavailable, type StorageProbe } from "./availability";
import { mergeBucketPolicy, valetStatements } from "./bucket-policy";
import { createPresigner } from "./presigner";

// The one module that talks to object storage. Everything the browser may do to the bucket is a
// URL presigned here: one operation, one key, a short expiry, signed by a key that can do nothing
// else (write-only for uploads, read-only for downloads). The main key signs nothing a browser
// sees: it does the server's own reads, deletes, listings and bucket setup.

type Credentials = { accessKeyId: string; secretAccessKey: string };

export interface StorageConfig {
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  /** The main key; unset means the AWS default credential chain. */
  credentials?: Credentials;
  /** Signs every upload URL (write-only under users/). Unset: the main key does (warned at start). */
  uploadCredentials?: Credentials;
  /** Signs every download URL (read-only under users/). Unset: the main key does. */
  downloadCredentials?: Credentials;
}

export interface PresignedRequest {
  url: string;
  /** Headers the URL was signed with that the browser must send (Content-Length it sets itself). */
  headers?: Record<string, string>;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
  /** Without quotes: the hex MD5 of a single PUT, or `md5-of-part-md5s-N` for a multipart upload. */
  etag: string | undefined;
  /** Set where the bucket is versioned. */
  versionId: string | undefined;
  /** What storage keeps with the object that Valet never signs (sent along by the uploader), as "Header: value". */
  unsignedAttributes: string[];
}

/** Where Valet's objects live; every valet key is scoped below it. */
export const OBJECT_PREFIX = "users/";

/**
 * Upload URLs make the bucket owner (the main key) a full owner of what the upload key writes,
 * and refuse to overwrite anything that exists: a URL can create its object once.
 */
const OBJECT_ACL = "bucket-owner-full-control";

/**
 * Response headers every download URL forces, whatever is stored with the object: a stored
 * Content-Encoding would make browsers decode bytes nobody verified, and caching is the app's call.
 */
const DOWNLOAD_CACHE_CONTROL = "private, no-store";
const DOWNLOAD_CONTENT_ENCODING = "identity";

/** Told of every storage call's outcome (the availability probe listens). */
export interface StorageObserver {
  noteUnreachable(): void;
  noteAnswered(): void;
}

export function createStorage(config: StorageConfig, observer?: StorageObserver) {
  const send = <T>(call: () => Promise<T>) => answerOrUnavailable(call, observer);
  const clientFor = (credentials: Credentials | undefined) =>
    new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials,
      // Since SDK 3.729 the default adds a CRC32 of an *empty* body to presigned PUT/UploadPart
      // URLs, which R2, MinIO and Garage then reject; and streaming checksums get 411 on Ceph RGW.
      // Checksums only where an operation requires them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 2,
      // The server only makes small requests (HEAD, a 4 KiB GET, listings): a storage that does not
      // answer is reported as unavailable rather than hanging the API call.
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 15_000 },
    });
  const client = clientFor(config.credentials);
  // Download URLs come from getSignedUrl (response-* overrides, versionId); upload URLs from the
  // bare SigV4 presigner, which is what batches of part URLs need.
  const downloadClient = config.downloadCredentials ? clientFor(config.downloadCredentials) : client;
  const signUpload = createPresigner(config, config.uploadCredentials ?? config.credentials ?? client.config.credentials);
  const Bucket = config.bucket;

  /**
   * Signs one browser operation with the upload key. `signingDate` exists for tests that need an
   * already-expired URL.
   */
  async function presign(operation: SignOperation, expiresIn: number, signingDate?: Date): Promise<PresignedRequest> {
    const { key } = operation;
    const sign = (method: string, query: Record<string, string>, headers: Record<string, string> = {}) =>
      signUpload({ method, key, query, headers, expiresIn, signingDate });
    switch (operation.op) {
      case "putObject": {
        // Type, exact length and MD5 are signed: storage refuses other bytes. The ACL makes the
        // object the bucket owner's too; If-None-Match makes the URL unable to overwrite anything.
        const headers = { "content-type": operation.contentType, "content-md5": operation.contentMd5, "x-amz-acl": OBJECT_ACL, "if-none-match": "*" };
        return { url: await sign("PUT", {}, { ...headers, "content-length": String(operation.contentLength) }), headers };
      }
      case "createMultipartUpload": {
        const headers = { "content-type": operation.contentType, "x-amz-acl": OBJECT_ACL };
        return { url: await sign("POST", { uploads: "" }, headers), headers };
      }
      case "uploadPart": {
        const query = { partNumber: String(operation.partNumber), uploadId: operation.uploadId };
        const headers = { "content-md5": operation.contentMd5 };
        return { url: await sign("PUT", query, { ...headers, "content-length": String(operation.contentLength) }), headers };
      }
      case "listParts":
        return { url: await sign("GET", { uploadId: operation.uploadId }) };
      case "completeMultipartUpload":
        return { url: await sign("POST", { uploadId: operation.uploadId }) };
      case "abortMultipartUpload":
        return { url: await sign("DELETE", { uploadId: operation.uploadId }) };
    }
  }

  /**
   * A GET, signed with the download key, that makes the browser save (or show) exactly the
   * verified object under its original name. With a versionId it is pinned to that version.
   */
  async function presignDownload(args: { key: string; versionId?: string | null; fileName: string; contentType: string; expiresIn: number; inline?: boolean }) {
    const command = new GetObjectCommand({
      Bucket,
      Key: args.key,
      VersionId: args.versionId ?? undefined,
      ResponseContentDisposition: contentDisposition(args.fileName, args.inline ? "inline" : "attachment"),
      ResponseContentType: args.contentType,
      ResponseCacheControl: DOWNLOAD_CACHE_CONTROL,
      ResponseContentEncoding: DOWNLOAD_CONTENT_ENCODING,
    });
    return getSignedUrl(downloadClient, command, { expiresIn: args.expiresIn });
  }

  async function headObject(key: string, versionId?: string | null): Promise<StoredObject | null> {
    try {
      const head = await send(() => client.send(new HeadObjectCommand({ Bucket, Key: key, VersionId: versionId ?? undefined })));
      return {
        size: Number(head.ContentLength ?? 0),
        contentType: head.ContentType,
        etag: head.ETag?.replace(/"/g, ""),
        versionId: head.VersionId,
        unsignedAttributes: unsignedAttributes(head),
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** The first `length` bytes of an object (a ranged GET), for sniffing what it really is. */
  async function readHead(key: string, length: number, versionId?: string | null): Promise<Uint8Array> {
    const object = await send(() => client.send(new GetObjectCommand({ Bucket, Key: key, VersionId: versionId ?? undefined, Range: `bytes=0-${length - 1}` })));
    return object.Body ? object.Body.transformToByteArray() : new Uint8Array();
  }

  /** Deletes the object (or, on a versioned bucket, that one version of it). */
  async function deleteObject(key: string, versionId?: string | null): Promise<void> {
    await send(() => client.send(new DeleteObjectCommand({ Bucket, Key: key, VersionId: versionId ?? undefined })));
  }

  /**
   * Does storage know this multipart upload on this key? Answers null where the storage cannot
   * list parts at all (405 or 501), so the caller can decide.
   */
  async function multipartUploadExists(key: string, uploadId: string): Promise<boolean | null> {
    try {
      await send(() => client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, MaxParts: 1 })));
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 400) return false;
      if (status === 405 || status === 501) return null;
      throw error;
    }
  }

  async function abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await send(() => client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })));
    } catch (error) {
      const status = statusOf(error);
      // Already gone (404), or a storage without abort (405, 501): nothing left to do here.
      if (status === 404 || status === 405 || status === 501) return;
      throw error;
    }
  }

  /** Every unfinished multipart upload under `prefix` (paginated; empty where storage cannot list them). */
  async function listMultipartUploads(prefix: string): Promise<Array<{ key: string; uploadId: string; initiated: Date | undefined }>> {
    const found: Array<{ key: string; uploadId: string; initiated: Date | undefined }> = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await send(() => client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: prefix, KeyMarker, UploadIdMarker })));
      } catch (error) {
        // A storage that cannot list multipart uploads (405, 501) has nothing to tell us.
        if (statusOf(error) === 405 || statusOf(error) === 501) return found;
        throw error;
      }
      for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) found.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated });
      if (!page.IsTruncated) return found;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Object keys under `prefix`, a page (up to 1,000) at a time. */
  async function* objectKeyPages(prefix: string): AsyncGenerator<string[]> {
    let ContinuationToken: string | undefined;
    for (;;) {
      const page = await send(() => client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken })));
      yield (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      if (!page.IsTruncated) return;
      ContinuationToken = page.NextContinuationToken;
    }
  }

  /** Every object key under `prefix`. */
  async function listObjectKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of objectKeyPages(prefix)) keys.push(...page);
    return keys;
  }

  /**
   * Adds an AbortIncompleteMultipartUpload rule for `prefix`, keeping any rules the bucket
   * already has. Answers false where the storage has no lifecycle support.
   */
  async function ensureAbortIncompleteRule(prefix: string, days: number): Promise<boolean> {
    const ID = "valet-abort-incomplete-multipart";
    let rules: LifecycleRule[] = [];
    try {
      rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? [];
    } catch (error) {
      const status = statusOf(error);
      if (status === 405 || status === 501) return false;
      if (status !== 404) throw error; // 404: no configuration yet
    }
    if (rules.some((r) => r.ID === ID)) return true;
    const rule: LifecycleRule = { ID, Status: "Enabled", Filter: { Prefix: prefix }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: days } };
    try {
      await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [...rules, rule] } }));
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 405 || status === 501) return false;
      throw error;
    }
  }

  async function ping(): Promise<void> {
    await send(() => client.send(new HeadBucketCommand({ Bucket })));
  }

  /**
   * S3_SETUP_BUCKET: create the bucket, let the app's origins use it, and (given the two keys'
   * principals) write the least-privilege policy.
   */
  async function ensureBucket(args: { corsOrigins: string[]; principals?: { upload: string; download: string } }): Promise<void> {
    try {
      await client.send(new HeadBucketCommand({ Bucket }));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await client.send(new CreateBucketCommand({ Bucket }));
    }
    await client.send(
      new PutBucketCorsCommand({
        Bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: args.corsOrigins,
              AllowedMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"],
              AllowedHeaders: ["*"],
              // Uppy reads each part's ETag to complete a multipart upload, and S3's error code
              // (where storage sends one) to say what went wrong; unexposed, the browser refuses it.
              ExposeHeaders: ["ETag", "x-amz-error-code"],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
    if (!args.principals) return;
    let existing: string | undefined;
    try {
      existing = (await client.send(new GetBucketPolicyCommand({ Bucket }))).Policy;
    } catch (error) {
      if (statusOf(error) !== 404) throw error; // 404: no policy yet
    }
    const statements = valetStatements({
      bucket: Bucket,
      prefix: OBJECT_PREFIX,
      uploadPrincipal: args.principals.upload,
      downloadPrincipal: args.principals.download,
    });
    await client.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(mergeBucketPolicy(existing, statements)) }));
  }

  return {
    client,
    bucket: Bucket,
    /** False when the main key also signs browser URLs (no separate upload and download keys). */
    hasLeastPrivilegeKeys: config.uploadCredentials !== undefined && config.downloadCredentials !== undefined,
    presign,
    presignDownload,
    headObject,
    readHead,
    deleteObject,
    multipartUploadExists,
    abortMultipartUpload,
    listMultipartUploads,
    objectKeyPages,
    listObjectKeys,
    ensureAbortIncompleteRule,
    ping,
    ensureBucket,
  };
}

export type Storage = ReturnType<typeof createStorage>;

/**
 * What an uploader could have stored with the object by adding headers the URL did not sign.
 * Cache-Control is left out: browsers add `Cache-Control: no-cache` to every conditional request
 * (the single PUT carries If-None-Match), and every download URL overrides it anyway.
 */
function unsignedAttributes(head: HeadObjectCommandOutput): string[] {
  const found: string[] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "") found.push(`${name}: ${value}`);
  };
  add("Content-Encoding", head.ContentEncoding);
  add("Content-Disposition", head.ContentDisposition);
  add("Content-Language", head.ContentLanguage);
  add("Expires", head.ExpiresString ?? head.Expires?.toUTCString());
  add("x-amz-website-redirect-location", head.WebsiteRedirectLocation);
  add("x-amz-server-side-encryption-customer-algorithm", head.SSECustomerAlgorithm);
  add("x-amz-object-lock-mode", head.ObjectLockMode);
  add("x-amz-object-lock-legal-hold", head.ObjectLockLegalHoldStatus);
  if (head.TagCount) add("x-amz-tagging-count", head.TagCount);
  if (head.StorageClass && head.StorageClass !== "STANDARD") add("x-amz-storage-class", head.StorageClass);
  for (const [name, value] of Object.entries(head.Metadata ?? {})) add(`x-amz-meta-${name}`, value);
  return found;
}

/** The HTTP status storage answered with, if the error is storage's answer. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof AppError) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Maps "storage is down" (no HTTP answer, or a 5xx) to a 503 the client can act on. 501 Not
 * Implemented is an answer, not an outage: callers decide what a storage that lacks an operation means.
 */
async function answerOrUnavailable<T>(call: () => Promise<T>, observer: StorageObserver | undefined): Promise<T> {
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

const keyPair = (id: string | undefined, secret: string | undefined): Credentials | undefined =>
  id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;

let cached: Storage | undefined;

export function storage(): Storage {
  if (!cached) {
    const e = env();
    cached = createStorage(
      {
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        bucket: e.S3_BUCKET,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
        credentials: keyPair(e.S3_ACCESS_KEY_ID, e.S3_SECRET_ACCESS_KEY),
        uploadCredentials: keyPair(e.S3_UPLOAD_ACCESS_KEY_ID, e.S3_UPLOAD_SECRET_ACCESS_KEY),
        downloadCredentials: keyPair(e.S3_DOWNLOAD_ACCESS_KEY_ID, e.S3_DOWNLOAD_SECRET_ACCESS_KEY),
      },
      storageProbe(),
    );
  }
  return cached;
}

// On globalThis: the instance the server starts (instrumentation) and the ones route handlers
// import must be the same probe, whatever module instances the bundler made.
const globalForProbe = globalThis as unknown as { valetStorageProbe?: StorageProbe };

/** This process's view of whether storage is reachable (availability.ts). */
export function storageProbe(): StorageProbe {
  globalForProbe.valetStorageProbe ??= createStorageProbe({ ping: () => storage().ping(), intervalMs: env().STORAGE_PROBE_INTERVAL_SECONDS * 1000 });
  return globalForProbe.valetStorageProbe;
}

/** 503 storage_unavailable, at once and without asking storage, while storage is known to be down. */
export function assertStorageAvailable(): void {
  if (storageProbe().status() === "unavailable") throw storageUnavailable();
}
