import { z } from "zod";

import { MAX_PARTS, MAX_SIGN_BATCH } from "../upload-policy";

/** Longest name accepted at all; longer names are refused rather than silently cut to nothing. */
export const MAX_DECLARED_NAME_CHARS = 1024;

export const createUploadSchema = z.object({
  name: z.string().min(1, "name is required").max(MAX_DECLARED_NAME_CHARS, `name must be at most ${MAX_DECLARED_NAME_CHARS} characters`),
  size: z.number().int("size must be a whole number of bytes").positive("size must be at least 1 byte").max(Number.MAX_SAFE_INTEGER),
  type: z.string().max(255).default(""),
});
export type CreateUploadInput = z.infer<typeof createUploadSchema>;

/** One request as Uppy's @uppy/aws-s3 v6 `signRequest` hands it over. */
export const presignableRequestSchema = z.object({
  method: z.enum(["PUT", "POST", "GET", "DELETE"]),
  key: z.string().min(1).max(1024),
  uploadId: z.string().min(1).max(1024).optional(),
  // S3's range; a finer check (≤ the upload's part count) comes with the upload.
  partNumber: z
    .number()
    .int("partNumber must be an integer")
    .min(1, "partNumber must be 1 to 10,000")
    .max(MAX_PARTS, "partNumber must be 1 to 10,000")
    .optional(),
  contentType: z.string().max(255).optional(),
  /** Base64 MD5 of the bytes this PUT will carry (a whole single upload, or one part): signed as Content-MD5. */
  contentMd5: z
    .string()
    .regex(/^[A-Za-z0-9+/]{22}==$/, "contentMd5 must be the base64 MD5 digest of the bytes (24 characters)")
    .optional(),
  // Uppy may suggest an expiry; the server decides, so the value is accepted and ignored.
  expiresIn: z.number().optional(),
});
export type PresignableRequest = z.infer<typeof presignableRequestSchema>;

const signBatchSchema = z.object({
  requests: z.array(presignableRequestSchema).min(1).max(MAX_SIGN_BATCH, `at most ${MAX_SIGN_BATCH} requests per batch`),
});

/**
 * A batch when the body has `requests`, else one request. Chosen by shape rather than with a
 * union, so that a refusal names the field that is wrong.
 */
export function parseSignBody(body: unknown): SignBody {
  return typeof body === "object" && body !== null && "requests" in body ? signBatchSchema.parse(body) : presignableRequestSchema.parse(body);
}

export type SignBody = z.infer<typeof signBatchSchema> | PresignableRequest;
