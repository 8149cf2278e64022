// The sign-request authoriser: decides whether one Uppy presign request may be signed for an
// upload reservation, and if so exactly what gets signed. Pure, so every rule is unit-tested;
// the one check that needs storage (is an unpinned uploadId real?) is left to the caller via
// `needsPin`.
import { AppError } from "./errors";
import { partLength } from "./upload-policy";
import type { PresignableRequest } from "./validation/uploads";

export interface SignableUpload {
  key: string;
  status: "PENDING" | "READY" | "REJECTED" | "ABORTED" | "DELETED" | "EXPIRED" | "QUARANTINED";
  strategy: "SINGLE" | "MULTIPART";
  size: number;
  contentType: string;
  partSize: number;
  partCount: number;
  s3UploadId: string | null;
  expiresAt: Date;
}

export type SignOperation =
  | { op: "putObject"; key: string; contentType: string; contentLength: number; contentMd5: string }
  | { op: "createMultipartUpload"; key: string; contentType: string }
  | { op: "uploadPart"; key: string; uploadId: string; partNumber: number; contentLength: number; contentMd5: string }
  | { op: "listParts"; key: string; uploadId: string }
  | { op: "completeMultipartUpload"; key: string; uploadId: string }
  | { op: "abortMultipartUpload"; key: string; uploadId: string }
  /** Azure: one block of a block blob, its id derived from the part number; the server commits the list. */
  | { op: "putBlock"; key: string; partNumber: number; contentLength: number; contentMd5: string };

/** Which storage the upload goes to: S3 (multipart completed by the browser) or Azure (blocks committed by the server). */
export type SignTarget = "s3" | "azure";

export type AuthorizedOperation = SignOperation & {
  /** The request names a multipart uploadId the row has not pinned yet: verify it in storage first. */
  needsPin: boolean;
};

const notAllowed = (what: string) => new AppError("operation_not_allowed", `${what} is not an operation this upload needs.`);

export function authorizeSignRequest(upload: SignableUpload, request: PresignableRequest, now: Date, target: SignTarget = "s3"): AuthorizedOperation {
  if (upload.status !== "PENDING") {
    throw new AppError("invalid_state", `This upload is ${upload.status.toLowerCase()}; nothing more can be signed for it.`);
  }
  if (now.getTime() >= upload.expiresAt.getTime()) {
    throw new AppError("reservation_expired", "This upload reservation has expired. Start the upload again.");
  }
  if (request.key !== upload.key) {
    throw new AppError("key_mismatch", "The request names a different object key than the one reserved for this upload.");
  }
  if (request.contentType !== undefined && request.contentType !== upload.contentType) {
    throw new AppError("invalid_input", `contentType must be "${upload.contentType}", the type declared when the upload was reserved.`);
  }
  const { method, uploadId, partNumber, contentMd5 } = request;
  // Azure has no multipart upload id: a block is a PUT with a partNumber alone.
  const isBlock = target === "azure" && upload.strategy === "MULTIPART";
  if (partNumber !== undefined && !(method === "PUT" && (uploadId !== undefined || isBlock))) throw notAllowed(`${method} with a partNumber`);
  if (contentMd5 !== undefined && method !== "PUT") throw notAllowed(`${method} with a contentMd5`);
  // Every PUT binds the exact bytes it may carry: no URL is ever signed that takes any bytes.
  const requireMd5 = (): string => {
    if (contentMd5 === undefined) throw new AppError("invalid_input", "contentMd5 is required: sign every PUT with the base64 MD5 of the bytes it will carry.");
    return contentMd5;
  };

  const key = upload.key;
  if (upload.strategy === "SINGLE") {
    if (method === "PUT" && uploadId === undefined) {
      return { op: "putObject", key, contentType: upload.contentType, contentLength: upload.size, contentMd5: requireMd5(), needsPin: false };
    }
    throw notAllowed(`${method}${uploadId === undefined ? "" : " with an uploadId"} on a single-request upload`);
  }

  if (isBlock) {
    // Nothing to create, list, complete or abort in storage from the browser: the server commits the blocks.
    if (method !== "PUT" || uploadId !== undefined || partNumber === undefined) {
      throw notAllowed(
        `${method}${uploadId === undefined ? "" : " with an uploadId"}${partNumber === undefined ? " without a partNumber" : ""} on a block upload`,
      );
    }
    if (partNumber > upload.partCount) throw new AppError("invalid_input", `partNumber must be between 1 and ${upload.partCount} for this upload.`);
    return { op: "putBlock", key, partNumber, contentLength: partLength(upload, upload.size, partNumber), contentMd5: requireMd5(), needsPin: false };
  }

  if (uploadId === undefined) {
    if (method !== "POST") throw notAllowed(`${method} without an uploadId on a multipart upload`);
    if (upload.s3UploadId !== null) {
      throw new AppError("invalid_state", "This upload's multipart upload has already been created; resume it instead.");
    }
    return { op: "createMultipartUpload", key, contentType: upload.contentType, needsPin: false };
  }

  if (upload.s3UploadId !== null && upload.s3UploadId !== uploadId) {
    throw new AppError("upload_id_mismatch", "The uploadId does not belong to this upload.");
  }
  const needsPin = upload.s3UploadId === null;
  switch (method) {
    case "PUT": {
      if (partNumber === undefined) throw notAllowed("PUT with an uploadId but no partNumber");
      if (partNumber < 1 || partNumber > upload.partCount) {
        throw new AppError("invalid_input", `partNumber must be between 1 and ${upload.partCount} for this upload.`);
      }
      const contentLength = partLength(upload, upload.size, partNumber);
      return { op: "uploadPart", key, uploadId, partNumber, contentLength, contentMd5: requireMd5(), needsPin };
    }
    case "GET":
      return { op: "listParts", key, uploadId, needsPin };
    case "POST":
      return { op: "completeMultipartUpload", key, uploadId, needsPin };
    case "DELETE":
      return { op: "abortMultipartUpload", key, uploadId, needsPin };
  }
}
