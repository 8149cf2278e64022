import "server-only";

import { createHash, type Hash } from "node:crypto";
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type BlobGetPropertiesResponse,
  type BlobSASSignatureValues,
  type CorsRule,
} from "@azure/storage-blob";

import { contentDisposition } from "@/lib/content-disposition";
import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";
import { partLength } from "@/lib/upload-policy";

import {
  answerOrUnavailable,
  DOWNLOAD_CACHE_CONTROL,
  DOWNLOAD_CONTENT_ENCODING,
  statusOf,
  type ContentExpectation,
  type DownloadArgs,
  type PendingMultipart,
  type PresignedRequest,
  type StorageBackend,
  type StorageObserver,
  type StoredObject,
} from "./backend";

// The Azure Blob Storage backend. A browser gets a service SAS for one blob, one kind of access,
// a short time: create+write for an upload (Put Blob, or Put Block), read for a download with
// the response type and disposition fixed in the signature. The account key signs them and does
// the server's own reads, commits, deletes, listings and CORS setup; it never leaves the server.
//
// What a SAS does not bind, unlike a SigV4 URL: no request header is signed. Content-Type,
// Content-MD5, If-None-Match and the body's length are the browser's to choose, and a block SAS
// (write) could also commit a block list or Put Blob over the blob while it lives. So nothing a
// request carried is trusted: completion commits the blocks itself (after checking their ids and
// sizes against the reservation), then reads the blob once and compares the MD5 of every part
// with the digest pinned when its SAS was signed, and records the blob's ETag (which changes on
// every write): a download is signed only while storage still reports that ETag.

export interface AzureStorageConfig {
  account: string;
  key: string;
  container: string;
  /** The blob service endpoint, e.g. https://<account>.blob.core.windows.net or Azurite's http://127.0.0.1:10000/devstoreaccount1. */
  endpoint?: string;
}

/** SAS start time: a minute in the past, for clocks a little ahead of storage's. */
const CLOCK_SKEW_SECONDS = 60;

/** Every block id has the same length (Azure requires it of one blob's blocks): `valet-00001`, base64. */
export function blockId(partNumber: number): string {
  return Buffer.from(`valet-${String(partNumber).padStart(5, "0")}`).toString("base64");
}

/** The uploadId the reconciler sees for a blob with uncommitted blocks (Azure has no upload id). */
export const AZURE_BLOCKS_UPLOAD_ID = "azure-uncommitted-blocks";

export function createAzureStorage(config: AzureStorageConfig, observer?: StorageObserver) {
  const send = <T>(call: () => Promise<T>) => answerOrUnavailable(call, observer);
  const credential = new StorageSharedKeyCredential(config.account, config.key);
  const endpoint = (config.endpoint ?? `https://${config.account}.blob.core.windows.net`).replace(/\/$/, "");
  const isHttps = endpoint.startsWith("https:");
  // The server's own small requests: a storage that does not answer is reported as unavailable
  // rather than hanging the API call (as on S3).
  const service = new BlobServiceClient(endpoint, credential, { retryOptions: { maxTries: 2, tryTimeoutInMs: 15_000 } });
  const container = service.getContainerClient(config.container);
  const blob = (key: string) => container.getBlockBlobClient(key);

  function sas(key: string, permissions: string, expiresIn: number, extra: Partial<BlobSASSignatureValues> = {}, signingDate = new Date()): string {
    return generateBlobSASQueryParameters(
      {
        containerName: config.container,
        blobName: key,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(signingDate.getTime() - CLOCK_SKEW_SECONDS * 1000),
        expiresOn: new Date(signingDate.getTime() + expiresIn * 1000),
        // HTTPS-only wherever storage speaks it (Azurite in tests does not).
        protocol: isHttps ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
        ...extra,
      },
      credential,
    ).toString();
  }

  /** Signs one browser operation: create+write on the one blob, nothing else. */
  async function presign(operation: SignOperation, expiresIn: number, signingDate?: Date): Promise<PresignedRequest> {
    const url = blob(operation.key).url;
    switch (operation.op) {
      case "putObject": {
        // Storage checks Content-MD5 against the body; If-None-Match makes a second Put Blob fail
        // instead of replacing the blob. Neither is bound by the SAS: completion checks the bytes.
        const headers = {
          "x-ms-blob-type": "BlockBlob",
          "x-ms-blob-content-type": operation.contentType,
          "content-md5": operation.contentMd5,
          "if-none-match": "*",
        };
        return { url: `${url}?${sas(operation.key, "cw", expiresIn, {}, signingDate)}`, headers };
      }
      case "putBlock": {
        const query = `comp=block&blockid=${encodeURIComponent(blockId(operation.partNumber))}`;
        return { url: `${url}?${query}&${sas(operation.key, "cw", expiresIn, {}, signingDate)}`, headers: { "content-md5": operation.contentMd5 } };
      }
      default:
        throw new AppError("operation_not_allowed", `${operation.op} is not an operation Azure Blob Storage uploads need.`);
    }
  }

  /** Read only, with the response's type, disposition, caching and encoding fixed in the signature. */
  async function presignDownload(args: DownloadArgs): Promise<string> {
    const query = sas(args.key, "r", args.expiresIn, {
      contentType: args.contentType,
      contentDisposition: contentDisposition(args.fileName, args.inline ? "inline" : "attachment"),
      cacheControl: DOWNLOAD_CACHE_CONTROL,
      contentEncoding: DOWNLOAD_CONTENT_ENCODING,
    });
    return `${blob(args.key).url}?${query}`;
  }

  async function headObject(key: string): Promise<StoredObject | null> {
    try {
      const props = await send(() => blob(key).getProperties());
      return {
        size: Number(props.contentLength ?? 0),
        contentType: props.contentType,
        etag: props.etag?.replace(/"/g, ""),
        versionId: undefined,
        unsignedAttributes: unsignedAttributes(props),
        contentMd5: props.contentMD5 ? Buffer.from(props.contentMD5).toString("base64") : undefined,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async function readHead(key: string, length: number): Promise<Uint8Array> {
    // A ranged download (downloadToBuffer insists on the whole count, which a small blob lacks).
    const response = await send(() => blob(key).download(0, length));
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }

  async function readObject(key: string, verified: { etag?: string | null }): Promise<AsyncIterable<Uint8Array>> {
    const response = await send(() => blob(key).download(0, undefined, { conditions: verified.etag ? { ifMatch: `"${verified.etag}"` } : undefined }));
    if (!response.readableStreamBody) throw new Error(`Storage sent no body for ${key}.`);
    return response.readableStreamBody as AsyncIterable<Uint8Array>;
  }

  async function putObject(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await send(() => blob(key).upload(body, body.byteLength, { blobHTTPHeaders: { blobContentType: contentType } }));
  }

  /**
   * An upload SAS (create+write) also lets its holder snapshot the blob and lease it; neither may
   * keep an owner, an admin, a cancel or the reconciler from deleting it: the snapshots go with the
   * blob, and a lease (412/409 on delete) is broken with the account key and the delete tried again.
   */
  async function deleteObject(key: string): Promise<void> {
    const client = blob(key);
    const remove = () => send(() => client.delete({ deleteSnapshots: "include" }));
    try {
      await remove();
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return;
      if (status !== 412 && status !== 409) throw error;
      await send(() => client.getBlobLeaseClient().breakLease(0));
      await remove();
    }
  }

  /**
   * Commits the reservation's blocks, in order, once storage holds every one of them at its exact
   * size and nothing else. The browser never names the block list. A blob already committed
   * (a completion whose answer was lost) is left to verification, which reads its bytes.
   */
  async function finishUpload(expected: ContentExpectation): Promise<string | null> {
    if (expected.strategy !== "MULTIPART") return null;
    const client = blob(expected.key);
    let list;
    try {
      list = await send(() => client.getBlockList("all"));
    } catch (error) {
      if (statusOf(error) === 404) throw notUploaded();
      throw error;
    }
    if ((list.committedBlocks ?? []).length > 0) return null;
    const staged = new Map((list.uncommittedBlocks ?? []).map((b) => [b.name, b.size]));
    const ids = Array.from({ length: expected.partCount }, (_, i) => blockId(i + 1));
    const strangers = [...staged.keys()].filter((id) => !ids.includes(id));
    if (strangers.length > 0) {
      return `Block list refused: storage holds ${strangers.length} block(s) this upload never signed.`;
    }
    const missing = ids.flatMap((id, i) => (staged.has(id) ? [] : [i + 1]));
    if (missing.length > 0) throw notUploaded(`${missing.length} of ${expected.partCount} blocks are not in storage yet`);
    for (const [i, id] of ids.entries()) {
      const size = partLength(expected, expected.size, i + 1);
      if (staged.get(id) !== size) return `Block list refused: block ${i + 1} holds ${staged.get(id)} bytes, not ${size}.`;
    }
    try {
      // If-None-Match: a commit that raced this one (a second completion call) is not replaced.
      await send(() => client.commitBlockList(ids, { conditions: { ifNoneMatch: "*" }, blobHTTPHeaders: { blobContentType: expected.contentType } }));
    } catch (error) {
      if (statusOf(error) !== 409 && statusOf(error) !== 412) throw error;
    }
    return null;
  }

  /**
   * Reads the blob once, as of the ETag just seen (a write since then fails the read), and
   * compares each part's MD5 with the digest pinned when its SAS was signed.
   */
  async function contentFailure(expected: ContentExpectation, stored: StoredObject): Promise<string | null> {
    const partSize = expected.strategy === "SINGLE" ? expected.size : expected.partSize;
    const response = await send(() =>
      blob(expected.key).download(0, undefined, { conditions: stored.etag ? { ifMatch: `"${stored.etag}"` } : {}, maxRetryRequests: 5 }),
    );
    const digests: string[] = [];
    let hash: Hash = createHash("md5");
    let inPart = 0;
    for await (const chunk of response.readableStreamBody ?? []) {
      let bytes = chunk as Buffer;
      while (bytes.length > 0) {
        const take = Math.min(bytes.length, partSize - inPart);
        hash.update(bytes.subarray(0, take));
        inPart += take;
        bytes = bytes.subarray(take);
        if (inPart === partSize) {
          digests.push(hash.digest("base64"));
          hash = createHash("md5");
          inPart = 0;
        }
      }
    }
    if (inPart > 0) digests.push(hash.digest("base64"));
    const wrong = expected.digests.flatMap((d, i) => (digests[i] === d ? [] : [i + 1]));
    if (wrong.length === 0 && digests.length === expected.digests.length) return null;
    const where = expected.strategy === "SINGLE" ? "the blob" : `block(s) ${wrong.join(", ") || "beyond the last"}`;
    return `Content mismatch: storage holds other bytes than the ones signed (MD5 of ${where} differs from the signed Content-MD5).`;
  }

  async function stagedParts(upload: { key: string; size: number; partSize: number; partCount: number }): Promise<number[]> {
    let list;
    try {
      list = await send(() => blob(upload.key).getBlockList("uncommitted"));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
    const sizes = new Map((list.uncommittedBlocks ?? []).map((b) => [b.name, b.size]));
    return Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => sizes.get(blockId(n)) === partLength(upload, upload.size, n));
  }

  /** Azure has no multipart upload ids; nothing is ever pinned on this backend. */
  async function multipartUploadExists(): Promise<boolean | null> {
    return false;
  }

  /**
   * Drops a blob's uncommitted blocks now rather than in Azure's week: an empty block list
   * committed where no blob exists (If-None-Match) turns them into an empty blob, then deleted.
   */
  async function abortMultipartUpload(key: string): Promise<void> {
    try {
      await send(() => blob(key).commitBlockList([], { conditions: { ifNoneMatch: "*" } }));
    } catch (error) {
      // A committed blob exists: it is not ours to drop here (the reconciler's sweep decides).
      if (statusOf(error) === 409 || statusOf(error) === 412) return;
      throw error;
    }
    await deleteObject(key);
  }

  /** Blobs under `prefix` that have uncommitted blocks and no committed content. */
  async function listMultipartUploads(prefix: string): Promise<PendingMultipart[]> {
    const found: PendingMultipart[] = [];
    const pages = container.listBlobsFlat({ prefix, includeUncommitedBlobs: true }).byPage({ maxPageSize: 1000 });
    for (;;) {
      const page = await send(() => pages.next());
      if (page.done) return found;
      for (const item of page.value.segment.blobItems) {
        // An uncommitted-only blob is listed with no length and no ETag-bearing content.
        if (Number(item.properties.contentLength ?? 0) > 0) continue;
        const committed = await headObject(item.name);
        if (committed) continue;
        found.push({ key: item.name, uploadId: AZURE_BLOCKS_UPLOAD_ID, initiated: item.properties.createdOn });
      }
    }
  }

  async function* objectKeyPages(prefix: string): AsyncGenerator<string[]> {
    const pages = container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1000 });
    for (;;) {
      const page = await send(() => pages.next());
      if (page.done) return;
      yield page.value.segment.blobItems.map((b) => b.name);
    }
  }

  async function listObjectKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of objectKeyPages(prefix)) keys.push(...page);
    return keys;
  }

  /** Azure discards uncommitted blocks after a week by itself; the reconciler drops stale ones sooner. */
  async function ensureAbortIncompleteRule(): Promise<boolean> {
    return false;
  }

  async function ping(): Promise<void> {
    await send(() => container.getProperties());
  }

  /**
   * AZURE_SETUP_CONTAINER: create the container (private) and let the app's origins use the blob
   * service. CORS is per storage account on Azure: rules for other origins are kept.
   */
  async function ensureBucket(args: { corsOrigins: string[] }): Promise<void> {
    await container.createIfNotExists();
    const rule: CorsRule = {
      allowedOrigins: args.corsOrigins.join(","),
      allowedMethods: "GET,HEAD,PUT",
      // The upload headers Valet asks for (x-ms-blob-type, x-ms-blob-content-type, Content-MD5, If-None-Match).
      allowedHeaders: "*",
      // The error code says what storage refused; the ETag and Content-MD5 what landed.
      exposedHeaders: "ETag,Content-MD5,x-ms-error-code,x-ms-request-id",
      maxAgeInSeconds: 3600,
    };
    const current = await service.getProperties();
    const others = (current.cors ?? []).filter((r) => r.allowedOrigins !== rule.allowedOrigins);
    await service.setProperties({ cors: [...others, rule] });
  }

  const backend: StorageBackend = {
    kind: "azure",
    // Every SAS carries its own permissions (create+write, or read, on one blob): no request a
    // browser adds to it acts with more rights than that.
    hasLeastPrivilegeKeys: true,
    presign,
    presignDownload,
    headObject,
    readHead,
    readObject,
    putObject,
    deleteObject,
    finishUpload,
    contentFailure,
    stagedParts,
    multipartUploadExists,
    abortMultipartUpload,
    listMultipartUploads,
    objectKeyPages,
    listObjectKeys,
    ensureAbortIncompleteRule,
    ping,
    ensureBucket,
  };
  return { ...backend, service, container, sas };
}

export type AzureStorage = ReturnType<typeof createAzureStorage>;

const notUploaded = (detail?: string) =>
  new AppError("not_uploaded", `Storage does not hold all of this upload yet${detail ? ` (${detail})` : ""}. Finish sending the bytes, then complete again.`);

/**
 * What an uploader could have stored with the blob by adding headers the SAS does not sign.
 * Cache-Control is left out as on S3: browsers send it on conditional requests, and every
 * download SAS overrides it.
 */
function unsignedAttributes(props: BlobGetPropertiesResponse): string[] {
  const found: string[] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "") found.push(`${name}: ${value}`);
  };
  add("Content-Encoding", props.contentEncoding);
  add("Content-Disposition", props.contentDisposition);
  add("Content-Language", props.contentLanguage);
  if (props.tagCount) add("x-ms-tags-count", props.tagCount);
  if (props.accessTier && !props.accessTierInferred) add("x-ms-access-tier", props.accessTier);
  for (const [name, value] of Object.entries(props.metadata ?? {})) add(`x-ms-meta-${name}`, value);
  return found;
}
