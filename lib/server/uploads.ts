import "server-only";
import { randomUUID } from "node:crypto";
import type { Upload } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { sanitizeFileName } from "@/lib/sanitize-name";
import { authorizeSignRequest, type AuthorizedOperation, type SignableUpload } from "@/lib/sign-request";
import { contentMismatch } from "@/lib/content-check";
import { formatBytes } from "@/lib/format";
import { planUpload } from "@/lib/upload-policy";
import type { CreateUploadInput, PresignableRequest, SignBody } from "@/lib/validation/uploads";
import { assertAdmin, assertScope, foundOr404, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { detectContent, SNIFF_BYTES } from "./content-sniff";
import { db } from "./db";
import { toFileDto, type FileDto } from "./files";
import { env } from "./env";
import { expectedEtag, normalizeEtag } from "./integrity";
import { assertRoomFor } from "./quota";
import { enforceRateLimit } from "./rate-limit";
import { storage, type PresignedRequest, type StoredObject } from "./storage";

/**
 * How long a reservation accepts sign requests. Each URL lives UPLOAD_URL_TTL_SECONDS at most;
 * this bounds the whole upload, so a 5 GiB file on a slow link still has a day to finish.
 */
export const RESERVATION_TTL_SECONDS = 24 * 3600;

export interface UploadDto {
  id: string;
  key: string;
  name: string;
  size: number;
  type: string;
  status: Upload["status"];
  strategy: "single" | "multipart";
  partSize: number;
  maxParts: number;
  expiresAt: string;
  createdAt: string;
}

export function toUploadDto(u: Upload): UploadDto {
  return {
    id: u.id,
    key: u.key,
    name: u.name,
    size: Number(u.size),
    type: u.contentType,
    status: u.status,
    strategy: u.strategy === "SINGLE" ? "single" : "multipart",
    partSize: Number(u.partSize),
    maxParts: u.partCount,
    expiresAt: u.expiresAt.toISOString(),
    createdAt: u.createdAt.toISOString(),
  };
}

export function storageKey(userId: string, uploadId: string, safeName: string): string {
  return `users/${userId}/${uploadId}/${safeName}`;
}

/** Media types compare without parameters and case ("Text/Plain; charset=utf-8" is text/plain). */
export function normalizeContentType(type: string | undefined): string {
  return (type ?? "").split(";")[0]!.trim().toLowerCase();
}

// POST /api/uploads
export async function createUpload(args: { user: Actor; input: CreateUploadInput; meta: RequestMeta }): Promise<UploadDto> {
  const { user, input, meta } = args;
  assertScope(user, "files:write");
  const config = env();
  const type = normalizeContentType(input.type) || "application/octet-stream";
  if (!config.ALLOWED_CONTENT_TYPES.includes(type)) {
    throw new AppError("type_not_allowed", `Files of type "${type}" are not accepted here. Allowed: ${config.ALLOWED_CONTENT_TYPES.join(", ")}.`);
  }
  if (input.size > config.MAX_UPLOAD_BYTES) {
    throw new AppError("too_large", `This file is ${formatBytes(input.size)}; the limit is ${formatBytes(config.MAX_UPLOAD_BYTES)}.`);
  }
  await enforceRateLimit("reserve", { userId: user.id, ip: meta.ip });
  // A reservation is only worth making if the browser can reach storage with it.
  await storage().ping();
  const plan = planUpload(input.size);
  const id = randomUUID();
  const name = sanitizeFileName(input.name);
  const upload = await db().$transaction(async (tx) => {
    await assertRoomFor(tx, user.id, input.size);
    const row = await tx.upload.create({
      data: {
        id,
        ownerId: user.id,
        key: storageKey(user.id, id, name),
        name,
        size: BigInt(input.size),
        contentType: type,
        strategy: plan.strategy === "single" ? "SINGLE" : "MULTIPART",
        partSize: BigInt(plan.partSize),
        partCount: plan.partCount,
        expiresAt: new Date(Date.now() + RESERVATION_TTL_SECONDS * 1000),
      },
    });
    await recordAudit(tx, { action: "upload.reserved", actorUserId: user.id, uploadId: id, key: row.key, detail: { size: input.size, type, strategy: plan.strategy } }, meta);
    return row;
  });
  return toUploadDto(upload);
}

// GET /api/uploads/:id
export async function getUpload(args: { user: Actor; uploadId: string }): Promise<UploadDto> {
  assertScope(args.user, "files:read");
  return toUploadDto(await getUploadForOwnerOrThrow(args.uploadId, args.user.id));
}

const NO_SUCH_UPLOAD = "No such upload.";

async function getUploadForOwnerOrThrow(uploadId: string, ownerId: string): Promise<Upload> {
  return foundOr404(uploadId, (id) => db().upload.findFirst({ where: { id, ownerId } }), NO_SUCH_UPLOAD);
}

function toSignable(u: Upload): SignableUpload {
  return { ...u, size: Number(u.size), partSize: Number(u.partSize) };
}

export type SignResult = { url: string; key: string; headers?: Record<string, string>; expiresAt: string };

// POST /api/uploads/:id/sign — one request, or a batch of up to MAX_SIGN_BATCH.
export async function signUploadRequests(args: { user: Actor; uploadId: string; body: SignBody; meta: RequestMeta }) {
  const { user, uploadId, body, meta } = args;
  assertScope(user, "files:write");
  const requests: PresignableRequest[] = "requests" in body ? body.requests : [body];
  let upload = await getUploadForOwnerOrThrow(uploadId, user.id);
  await enforceRateLimit("sign", { userId: user.id, ip: meta.ip });
  const now = new Date();

  // Authorise every request before signing any: a batch is all or nothing.
  let operations = requests.map((r) => authorizeSignRequest(toSignable(upload), r, now));
  const unpinned = new Set(operations.filter((o) => o.needsPin).map((o) => (o as { uploadId: string }).uploadId));
  if (unpinned.size > 1) throw new AppError("upload_id_mismatch", "A batch may name only one uploadId.");
  const [candidate] = unpinned;
  if (candidate !== undefined) {
    upload = await pinMultipartUploadId(upload, candidate);
    operations = requests.map((r) => authorizeSignRequest(toSignable(upload), r, now));
  }

  // URLs to a storage that is down would only fail in the browser: say so here (503, retryable).
  if (candidate === undefined) await storage().ping();
  await pinPartDigests(upload.id, operations);

  // A URL never outlives the reservation it was signed for.
  const secondsLeft = Math.floor((upload.expiresAt.getTime() - now.getTime()) / 1000);
  const expiresIn = Math.max(1, Math.min(env().UPLOAD_URL_TTL_SECONDS, secondsLeft));
  const expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString();
  const signed: PresignedRequest[] = await Promise.all(operations.map((o) => storage().presign(o, expiresIn)));

  await recordAudit(db(), { action: "upload.signed", actorUserId: user.id, uploadId, key: upload.key, detail: describeOperations(operations, expiresAt) }, meta);
  const results: SignResult[] = signed.map((s) => ({ ...s, key: upload.key, expiresAt }));
  return "requests" in body ? { results, expiresAt } : results[0]!;
}

/** One audit row per sign call: the operations, and part numbers as a compact list. */
function describeOperations(operations: AuthorizedOperation[], expiresAt: string) {
  const parts = operations.flatMap((o) => (o.op === "uploadPart" ? [o.partNumber] : []));
  const others = operations.filter((o) => o.op !== "uploadPart").map((o) => o.op);
  const checksummed = operations.filter((o) => "contentMd5" in o).length;
  return { operations: others, parts: parts.length > 0 ? { count: parts.length, first: Math.min(...parts), last: Math.max(...parts) } : null, checksummed, expiresAt };
}

/**
 * The first MD5 signed for a target (the single PUT, or part n) is the only one that ever will
 * be: a second URL for other bytes is refused, so every URL for a target carries the same bytes,
 * and completion knows the ETag storage must report. The upsert returns what is pinned, so racing
 * sign calls agree on one digest.
 */
async function pinPartDigests(uploadId: string, operations: AuthorizedOperation[]): Promise<void> {
  const wanted = new Map<number, string>();
  for (const o of operations) {
    if (o.op !== "putObject" && o.op !== "uploadPart") continue;
    const target = o.op === "putObject" ? 1 : o.partNumber;
    if (wanted.has(target) && wanted.get(target) !== o.contentMd5) throw checksumConflict(target);
    wanted.set(target, o.contentMd5);
  }
  if (wanted.size === 0) return;
  // A conflict rolls the whole batch back: nothing is pinned for a refused batch.
  await db().$transaction(async (tx) => {
    const pinned = await tx.$queryRaw<Array<{ partNumber: number; md5: string }>>`
      INSERT INTO "UploadPart" ("uploadId", "partNumber", "md5")
      SELECT ${uploadId}::uuid, n, m FROM unnest(${[...wanted.keys()]}::int[], ${[...wanted.values()]}::text[]) AS t(n, m)
      ON CONFLICT ("uploadId", "partNumber") DO UPDATE SET "md5" = "UploadPart"."md5"
      RETURNING "partNumber", "md5"`;
    const conflict = pinned.find((p) => wanted.get(p.partNumber) !== p.md5);
    if (conflict) throw checksumConflict(conflict.partNumber);
  });
}

const checksumConflict = (partNumber: number) =>
  new AppError(
    "checksum_conflict",
    `Part ${partNumber} of this upload was already signed for other bytes (a different contentMd5). The file changed since the upload started: cancel it and upload the file again.`,
  );

/**
 * The browser creates the multipart upload itself, so the server first hears of its uploadId
 * in a sign request. Pin it only if storage confirms an upload with that id on this key;
 * from then on no other uploadId is signed for this row.
 */
async function pinMultipartUploadId(upload: Upload, s3UploadId: string): Promise<Upload> {
  const exists = await storage().multipartUploadExists(upload.key, s3UploadId);
  if (exists === false) throw new AppError("upload_id_mismatch", "Storage has no multipart upload with this uploadId for this file.");
  if (exists === null) console.warn(`Storage cannot list multipart parts; pinned uploadId for upload ${upload.id} unverified.`);
  // Conditional: two racing first requests cannot pin two different ids.
  await db().upload.updateMany({ where: { id: upload.id, s3UploadId: null }, data: { s3UploadId } });
  const fresh = await db().upload.findUniqueOrThrow({ where: { id: upload.id } });
  if (fresh.s3UploadId !== s3UploadId) throw new AppError("upload_id_mismatch", "The uploadId does not belong to this upload.");
  return fresh;
}

// POST /api/uploads/:id/complete — trust nothing the browser says: look at what landed.
export async function completeUpload(args: { user: Actor; uploadId: string; meta: RequestMeta }): Promise<FileDto> {
  const { user, uploadId, meta } = args;
  assertScope(user, "files:write");
  const upload = await getUploadForOwnerOrThrow(uploadId, user.id);
  if (upload.status === "READY") return toFileDto(upload);
  if (upload.status === "REJECTED" || upload.status === "QUARANTINED") throw settledError(upload);
  if (upload.status !== "PENDING") throw new AppError("invalid_state", `This upload is ${upload.status.toLowerCase()}.`);

  const stored = await storage().headObject(upload.key);
  if (!stored) {
    throw new AppError("not_uploaded", "Storage has no object for this upload yet. Finish sending the bytes, then complete again.");
  }
  const settled = await settleUpload(upload, stored, user.id, meta);
  if (settled.status === "READY") return toFileDto(settled);
  throw settledError(settled);
}

/**
 * Verifies an object that landed for a PENDING upload and settles the row: READY, or REJECTED
 * with the object deleted. Used by the completion call and by the reconciler (lost callbacks).
 * Returns the row as it ends up: a racing settlement may have got there first, with the same verdict.
 */
export async function settleUpload(upload: Upload, stored: StoredObject, actorUserId: string | null, meta: RequestMeta): Promise<Upload> {
  const digests = await db().uploadPart.findMany({ where: { uploadId: upload.id }, orderBy: { partNumber: "asc" }, select: { partNumber: true, md5: true } });
  const reason = verificationFailure(upload, stored, digests);
  // Size, type, metadata and ETag as storage reports them are right; now look at the bytes themselves.
  const mismatch = reason ? null : contentMismatch(upload.contentType, await detectContent(await storage().readHead(upload.key, SNIFF_BYTES, stored.versionId)));
  // A rejected object is deleted; a quarantined one is kept (never served) for admins to judge.
  if (reason) await storage().deleteObject(upload.key, stored.versionId);
  const verified = { etag: stored.etag ?? null, versionId: stored.versionId ?? null };
  const outcome = reason
    ? { data: { status: "REJECTED" as const, rejectReason: reason }, action: "upload.rejected" as const, detail: { reason } }
    : mismatch
      ? { data: { status: "QUARANTINED" as const, rejectReason: mismatch, ...verified }, action: "upload.quarantined" as const, detail: { reason: mismatch } }
      : { data: { status: "READY" as const, ...verified }, action: "upload.completed" as const, detail: { size: stored.size, etag: verified.etag } };
  await db().$transaction(async (tx) => {
    const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { ...outcome.data, completedAt: new Date() } });
    if (moved.count === 1) await recordAudit(tx, { action: outcome.action, actorUserId, uploadId: upload.id, key: upload.key, detail: outcome.detail }, meta);
  });
  return db().upload.findUniqueOrThrow({ where: { id: upload.id } });
}

function settledError(upload: Upload): AppError {
  if (upload.status === "QUARANTINED") {
    return new AppError("upload_quarantined", `${upload.rejectReason ?? "The content does not match its type."} The file is quarantined: it cannot be downloaded or shared, and an administrator will review it.`);
  }
  return new AppError("upload_rejected", upload.rejectReason ?? `This upload is ${upload.status.toLowerCase()}.`);
}

/** Why what landed is not what Valet signed, or null when it is exactly that. */
function verificationFailure(upload: Upload, stored: StoredObject, digests: Array<{ partNumber: number; md5: string }>): string | null {
  if (stored.size !== Number(upload.size)) {
    return `Size mismatch: storage holds ${stored.size} bytes but ${upload.size} were declared.`;
  }
  const storedType = normalizeContentType(stored.contentType);
  if (storedType !== upload.contentType) {
    return `Type mismatch: storage holds "${storedType || "no type"}" but "${upload.contentType}" was declared.`;
  }
  if (stored.unsignedAttributes.length > 0) {
    return `Unsigned metadata: the upload carried headers Valet did not sign (${stored.unsignedAttributes.join("; ")}).`;
  }
  const complete = digests.length === upload.partCount && digests.every((d, i) => d.partNumber === i + 1);
  if (!complete) return `Content mismatch: not every part of this upload was signed with a checksum, so its bytes cannot be verified.`;
  const expected = expectedEtag(upload.strategy, digests.map((d) => d.md5));
  if (normalizeEtag(stored.etag) !== expected) {
    return `Content mismatch: storage holds other bytes than the ones signed (ETag ${normalizeEtag(stored.etag) || "missing"}, expected ${expected}).`;
  }
  return null;
}

// DELETE /api/uploads/:id — cancel a pending upload, in storage too.
export async function abortUpload(args: { user: Actor; uploadId: string; meta: RequestMeta }): Promise<void> {
  assertScope(args.user, "files:write");
  const upload = await getUploadForOwnerOrThrow(args.uploadId, args.user.id);
  if (upload.status === "ABORTED") return;
  if (upload.status !== "PENDING") {
    throw new AppError("invalid_state", `This upload is ${upload.status.toLowerCase()}; delete the file instead.`);
  }
  await abortPendingUpload(upload, args.user.id, args.meta);
}

// DELETE /api/admin/uploads/:id — anyone's pending upload, in storage too
export async function adminAbortUpload(args: { actor: Actor; uploadId: string; meta: RequestMeta }): Promise<void> {
  assertAdmin(args.actor);
  const upload = await foundOr404(args.uploadId, (id) => db().upload.findUnique({ where: { id } }), NO_SUCH_UPLOAD);
  if (upload.status === "ABORTED") return;
  if (upload.status !== "PENDING") throw new AppError("invalid_state", `This upload is ${upload.status.toLowerCase()}, not pending.`);
  await abortPendingUpload(upload, args.actor.id, args.meta);
}

export async function abortPendingUpload(upload: Upload, actorUserId: string, meta: RequestMeta): Promise<void> {
  if (upload.s3UploadId) await storage().abortMultipartUpload(upload.key, upload.s3UploadId);
  // A single PUT may have landed before the cancel; a multipart upload may have been completed.
  // (One that lands later, through a URL the browser still holds, is deleted by the reconciler.)
  await storage().deleteObject(upload.key);
  await db().$transaction(async (tx) => {
    const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { status: "ABORTED", completedAt: new Date() } });
    if (moved.count === 1) await recordAudit(tx, { action: "upload.aborted", actorUserId, uploadId: upload.id, key: upload.key }, meta);
  });
}
