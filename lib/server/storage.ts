import "server-only";
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketCorsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { formatUrl } from "@aws-sdk/core/util";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { contentDisposition } from "@/lib/content-disposition";
import { storageOrigin } from "@/lib/security-headers";
import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";
import { env } from "./env";

// The one module that talks to object storage. Everything the browser may do to the bucket is a
// URL presigned here: one operation, one key, a short expiry.

export interface StorageConfig {
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface PresignedRequest {
  url: string;
  /** Headers the URL was signed with that the browser must send (Content-Length it sets itself). */
  headers?: Record<string, string>;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

export function createStorage(config: StorageConfig) {
  const client = new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials: config.credentials,
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
  const Bucket = config.bucket;

  const signUrl = createUrlSigner(config, client);

  /**
   * Signs one browser operation. What getSignedUrl does, without its per-call middleware stack
   * (~270 µs a URL here): a 100-URL batch costs about what a single SDK presign does per URL.
   * `signingDate` exists for tests that need an already-expired URL.
   */
  async function presign(operation: SignOperation, expiresIn: number, signingDate?: Date): Promise<PresignedRequest> {
    const { key } = operation;
    const sign = (method: string, query: Record<string, string>, headers: Record<string, string> = {}) => signUrl({ method, key, query, headers, expiresIn, signingDate });
    switch (operation.op) {
      case "putObject": {
        // Content-Type and the exact Content-Length are signed: storage refuses any other. With a
        // checksum, Content-MD5 is signed too, and storage refuses bytes that do not match it.
        const headers = { "content-type": operation.contentType, ...md5Header(operation.contentMd5) };
        return { url: await sign("PUT", {}, { ...headers, "content-length": String(operation.contentLength) }), headers };
      }
      case "createMultipartUpload":
        return { url: await sign("POST", { uploads: "" }, { "content-type": operation.contentType }), headers: { "content-type": operation.contentType } };
      case "uploadPart": {
        const query = { partNumber: String(operation.partNumber), uploadId: operation.uploadId };
        const headers = md5Header(operation.contentMd5);
        const url = await sign("PUT", query, { ...headers, "content-length": String(operation.contentLength) });
        return operation.contentMd5 === undefined ? { url } : { url, headers };
      }
      case "listParts":
        return { url: await sign("GET", { uploadId: operation.uploadId }) };
      case "completeMultipartUpload":
        return { url: await sign("POST", { uploadId: operation.uploadId }) };
      case "abortMultipartUpload":
        return { url: await sign("DELETE", { uploadId: operation.uploadId }) };
    }
  }

  /** A GET that makes the browser save (or show) the object under its original name. */
  async function presignDownload(args: { key: string; fileName: string; contentType: string; expiresIn: number; inline?: boolean }) {
    const command = new GetObjectCommand({
      Bucket,
      Key: args.key,
      ResponseContentDisposition: contentDisposition(args.fileName, args.inline ? "inline" : "attachment"),
      ResponseContentType: args.contentType,
    });
    return getSignedUrl(client, command, { expiresIn: args.expiresIn });
  }

  async function headObject(key: string): Promise<StoredObject | null> {
    try {
      const head = await send(() => client.send(new HeadObjectCommand({ Bucket, Key: key })));
      return { size: Number(head.ContentLength ?? 0), contentType: head.ContentType };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** The first `length` bytes of an object (a ranged GET), for sniffing what it really is. */
  async function readHead(key: string, length: number): Promise<Uint8Array> {
    const object = await send(() => client.send(new GetObjectCommand({ Bucket, Key: key, Range: `bytes=0-${length - 1}` })));
    return object.Body ? object.Body.transformToByteArray() : new Uint8Array();
  }

  async function deleteObject(key: string): Promise<void> {
    await send(() => client.send(new DeleteObjectCommand({ Bucket, Key: key })));
  }

  /**
   * Does storage know this multipart upload on this key? Answers null where the storage cannot
   * list parts at all (s3rver answers 405), so the caller can decide.
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
      // Already gone (404), or a storage without abort (s3rver: 405): nothing left to do here.
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
        // s3rver cannot list multipart uploads (405); there is nothing this storage can tell us.
        if (statusOf(error) === 405 || statusOf(error) === 501) return found;
        throw error;
      }
      for (const u of page.Uploads ?? []) if (u.Key && u.UploadId) found.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated });
      if (!page.IsTruncated) return found;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Every object key under `prefix` (paginated). */
  async function listObjectKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    for (;;) {
      const page = await send(() => client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken })));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      if (!page.IsTruncated) return keys;
      ContinuationToken = page.NextContinuationToken;
    }
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

  /** Dev and test only (S3_SETUP_BUCKET): create the bucket and let the app's origins use it. */
  async function ensureBucket(corsOrigins: string[]): Promise<void> {
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
              AllowedOrigins: corsOrigins,
              AllowedMethods: ["GET", "PUT", "POST", "DELETE", "HEAD"],
              AllowedHeaders: ["*"],
              // Uppy reads each part's ETag to complete a multipart upload.
              ExposeHeaders: ["ETag"],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
  }

  return {
    client,
    bucket: Bucket,
    presign,
    presignDownload,
    headObject,
    readHead,
    deleteObject,
    multipartUploadExists,
    abortMultipartUpload,
    listMultipartUploads,
    listObjectKeys,
    ensureAbortIncompleteRule,
    ping,
    ensureBucket,
  };
}

export type Storage = ReturnType<typeof createStorage>;

/** SHA-256 and HMAC-SHA256 for the signer, from node:crypto. */
export class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBytes(data: SourceData): Uint8Array | string {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** S3 object keys go into the path one encoded segment at a time (RFC 3986, `/` kept). */
const encodeKey = (key: string) =>
  key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");

/**
 * Presigns S3 requests with SigV4 directly: the request is built here (path-style or virtual-host
 * addressing, as the client is configured), every header given is signed, and the payload is
 * UNSIGNED-PAYLOAD as in the SDK's own presigner. The signer caches its signing key per day.
 */
function createUrlSigner(config: StorageConfig, client: S3Client) {
  const endpoint = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`);
  const origin = new URL(storageOrigin(config));
  const signer = new SignatureV4({
    service: "s3",
    region: config.region,
    credentials: config.credentials ?? client.config.credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const basePath = endpoint.pathname.replace(/\/$/, "");
  const port = endpoint.port ? Number(endpoint.port) : undefined;
  const hostname = origin.hostname;
  const host = origin.host;

  return async function signUrl(args: { method: string; key: string; query: Record<string, string>; headers: Record<string, string>; expiresIn: number; signingDate?: Date }) {
    const path = config.forcePathStyle ? `${basePath}/${config.bucket}/${encodeKey(args.key)}` : `${basePath}/${encodeKey(args.key)}`;
    const request = new HttpRequest({
      method: args.method,
      protocol: endpoint.protocol,
      hostname,
      port,
      path,
      query: args.query,
      headers: { ...args.headers, host, "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
    });
    const signed = await signer.presign(request, { expiresIn: args.expiresIn, signingDate: args.signingDate });
    return formatUrl(signed);
  };
}

const md5Header = (contentMd5: string | undefined): Record<string, string> => (contentMd5 === undefined ? {} : { "content-md5": contentMd5 });

function statusOf(error: unknown): number | undefined {
  if (error instanceof AppError) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Maps "storage is down" (no HTTP answer, or a 5xx) to a 503 the client can act on. */
async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && status < 500) throw error; // a real answer; the caller decides
    throw new AppError("storage_unavailable", "Object storage is unavailable right now. Try again in a moment.", { cause: error, retryAfterSeconds: 5 });
  }
}

let cached: Storage | undefined;

export function storage(): Storage {
  if (!cached) {
    const e = env();
    cached = createStorage({
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      bucket: e.S3_BUCKET,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      credentials:
        e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
          : undefined,
    });
  }
  return cached;
}
