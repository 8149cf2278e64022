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
  PutObjectCommand,
  S3Client,
  type HeadObjectCommandOutput,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { contentDisposition } from "@/lib/content-disposition";
import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";

import { expectedEtag, normalizeEtag } from "../integrity";
import {
  answerOrUnavailable,
  DOWNLOAD_CACHE_CONTROL,
  DOWNLOAD_CONTENT_ENCODING,
  OBJECT_PREFIX,
  statusOf,
  THUMBNAIL_PREFIX,
  type ContentExpectation,
  type DownloadArgs,
  type PendingMultipart,
  type PresignedRequest,
  type StorageBackend,
  type StorageObserver,
  type StoredObject,
} from "./backend";
import { mergeBucketPolicy, valetStatements } from "./bucket-policy";
import { createPresigner } from "./presigner";

// The S3 backend (AWS S3, Ceph RGW, MinIO, R2…). Everything the browser may do to the bucket is a
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

/**
 * Upload URLs make the bucket owner (the main key) a full owner of what the upload key writes,
 * and refuse to overwrite anything that exists: a URL can create its object once.
 */
const OBJECT_ACL = "bucket-owner-full-control";

export function createS3Storage(config: StorageConfig, observer?: StorageObserver) {
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

  /** Signs one browser operation with the upload key. */
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
      case "putBlock":
        throw new AppError("operation_not_allowed", "Blocks are an Azure Blob Storage operation; S3 uploads use parts.");
    }
  }

  /**
   * A GET, signed with the download key, that makes the browser save (or show) exactly the
   * verified object under its original name. With a versionId it is pinned to that version.
   */
  async function presignDownload(args: DownloadArgs) {
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

  async function readObject(key: string, verified: { versionId?: string | null; etag?: string | null }): Promise<AsyncIterable<Uint8Array>> {
    const object = await send(() =>
      client.send(
        new GetObjectCommand({ Bucket, Key: key, VersionId: verified.versionId ?? undefined, IfMatch: verified.etag ? `"${verified.etag}"` : undefined }),
      ),
    );
    if (!object.Body) throw new Error(`Storage sent no body for ${key}.`);
    return object.Body as AsyncIterable<Uint8Array>;
  }

  async function putObject(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await send(() => client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType })));
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
  async function listMultipartUploads(prefix: string): Promise<PendingMultipart[]> {
    const found: PendingMultipart[] = [];
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

  /**
   * Every PUT was signed with the MD5 of its bytes and the first digest per target is pinned, so
   * the object's ETag follows from the pinned digests (integrity.ts): anything else is other bytes.
   */
  async function contentFailure(expected: ContentExpectation, stored: StoredObject): Promise<string | null> {
    const etag = expectedEtag(expected.strategy, expected.digests);
    if (normalizeEtag(stored.etag) === etag) return null;
    return `Content mismatch: storage holds other bytes than the ones signed (ETag ${normalizeEtag(stored.etag) || "missing"}, expected ${etag}).`;
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
      thumbnailPrefix: THUMBNAIL_PREFIX,
      uploadPrincipal: args.principals.upload,
      downloadPrincipal: args.principals.download,
    });
    await client.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify(mergeBucketPolicy(existing, statements)) }));
  }

  const backend: StorageBackend = {
    kind: "s3",
    /** False when the main key also signs browser URLs (no separate upload and download keys). */
    hasLeastPrivilegeKeys: config.uploadCredentials !== undefined && config.downloadCredentials !== undefined,
    presign,
    presignDownload,
    headObject,
    readHead,
    readObject,
    putObject,
    deleteObject,
    multipartUploadExists,
    abortMultipartUpload,
    listMultipartUploads,
    objectKeyPages,
    listObjectKeys,
    ensureAbortIncompleteRule,
    ping,
    ensureBucket,
    // The browser completes a multipart upload itself; verification is what makes it a file.
    finishUpload: async () => null,
    stagedParts: async () => [],
    contentFailure,
  };
  return { ...backend, client, bucket: Bucket };
}

export type S3Storage = ReturnType<typeof createS3Storage>;

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

export const keyPair = (id: string | undefined, secret: string | undefined): Credentials | undefined =>
  id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
