import "server-only";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { contentDisposition } from "@/lib/content-disposition";
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
  });
  const Bucket = config.bucket;

  /** Signs one browser operation. `signingDate` exists for tests that need an already-expired URL. */
  async function presign(operation: SignOperation, expiresIn: number, signingDate?: Date): Promise<PresignedRequest> {
    const { key: Key } = operation;
    const options = { expiresIn, signingDate };
    // Content-Type is only signed when asked; a ContentLength in the command is always signed,
    // so storage itself refuses a body of any other size.
    const withType = { ...options, signableHeaders: new Set(["content-type"]) };
    switch (operation.op) {
      case "putObject": {
        const command = new PutObjectCommand({ Bucket, Key, ContentType: operation.contentType, ContentLength: operation.contentLength });
        return { url: await getSignedUrl(client, command, withType), headers: { "content-type": operation.contentType } };
      }
      case "createMultipartUpload": {
        const command = new CreateMultipartUploadCommand({ Bucket, Key, ContentType: operation.contentType });
        return { url: await getSignedUrl(client, command, withType), headers: { "content-type": operation.contentType } };
      }
      case "uploadPart": {
        const { uploadId: UploadId, partNumber: PartNumber, contentLength: ContentLength } = operation;
        return { url: await getSignedUrl(client, new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, ContentLength }), options) };
      }
      case "listParts":
        return { url: await getSignedUrl(client, new ListPartsCommand({ Bucket, Key, UploadId: operation.uploadId }), options) };
      case "completeMultipartUpload":
        return { url: await getSignedUrl(client, new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: operation.uploadId }), options) };
      case "abortMultipartUpload":
        return { url: await getSignedUrl(client, new AbortMultipartUploadCommand({ Bucket, Key, UploadId: operation.uploadId }), options) };
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

  return { client, bucket: Bucket, presign, presignDownload, headObject, deleteObject, multipartUploadExists, abortMultipartUpload, ping, ensureBucket };
}

export type Storage = ReturnType<typeof createStorage>;

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
    throw new AppError("storage_unavailable", "Object storage is unavailable right now. Try again in a moment.", { cause: error });
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
