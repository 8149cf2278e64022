import "server-only";

import { randomUUID } from "node:crypto";

import { Prisma, type Upload } from "@/generated/prisma/client";
import { contentMismatch } from "@/lib/content-check";
import type { SignedRequestDto, UploadDto } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { THUMBNAIL_SOURCE_TYPES } from "@/lib/media-types";
import { sanitizeFileName } from "@/lib/sanitize-name";
import { authorizeSignRequest, type AuthorizedOperation, type SignableUpload } from "@/lib/sign-request";
import { planUpload } from "@/lib/upload-policy";
import type { CreateUploadInput, PresignableRequest, SignBody } from "@/lib/validation/uploads";

import { assertAdmin, assertScope, foundOr404, isUuid, type Actor } from "./access";
import { auditRowSql, recordAudit, recordAuditShared, type AuditEntry, type RequestMeta } from "./audit";
import { detectContent, SNIFF_BYTES } from "./content-sniff";
import { db, isUniqueViolation, queryRows } from "./db";
import { env } from "./env";
import { toFileDto, type FileDto } from "./files";
import { addReadyJobs } from "./jobs/queue";
import { logger } from "./log";
import { countUploadKeys, metrics, resultOf } from "./metrics";
import { assertRoomFor } from "./quota";
import { enforceRateLimit, rateLimitCount, type RateLimitColumns } from "./rate-limit";
import { assertStorageAvailable, storage, unfinishedUploadId, type ContentExpectation, type PresignedRequest, type StoredObject } from "./storage";
import { ACTOR_COLUMN, actorFrom, actorMaySql, actorSql, type ActorColumn, type Caller } from "./users";
import { enqueueEvent, webhookFile } from "./webhooks";

/**
 * How long a reservation accepts sign requests. Each URL lives UPLOAD_URL_TTL_SECONDS at most;
 * this bounds the whole upload, so a 5 GiB file on a slow link still has a day to finish.
 */
export const RESERVATION_TTL_SECONDS = 24 * 3600;

export function toUploadDto(u: Upload): UploadDto {
  return {
    id: u.id,
    key: u.key,
    name: u.name,
    size: Number(u.size),
    type: u.contentType,
    status: u.status,
    strategy: u.strategy === "SINGLE" ? "single" : storage().kind === "azure" ? "blocks" : "multipart",
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
  assertStorageAvailable();
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
    await recordAudit(
      tx,
      { action: "upload.reserved", actorUserId: user.id, uploadId: id, key: row.key, detail: { size: input.size, type, strategy: plan.strategy } },
      meta,
    );
    return row;
  });
  return toUploadDto(upload);
}

// GET /api/uploads/:id
export async function getUpload(args: { user: Actor; uploadId: string }): Promise<UploadDto> {
  assertScope(args.user, "files:read");
  return toUploadDto(await getUploadForOwnerOrThrow(args.uploadId, args.user.id));
}

// GET /api/uploads/:id/blocks
export async function listStagedBlocks(args: { user: Actor; uploadId: string }): Promise<number[]> {
  assertScope(args.user, "files:write");
  const upload = await getUploadForOwnerOrThrow(args.uploadId, args.user.id);
  if (upload.status !== "PENDING" || upload.strategy !== "MULTIPART") return [];
  return storage().stagedParts({ key: upload.key, size: Number(upload.size), partSize: Number(upload.partSize), partCount: upload.partCount });
}

const NO_SUCH_UPLOAD = "No such upload.";

/** Every column of an Upload row, by name (statements are prepared: see queryRows). */
const UPLOAD_COLUMNS = Prisma.raw(
  Object.values(Prisma.UploadScalarFieldEnum)
    .map((column) => `"${column}"`)
    .join(", "),
);

async function getUploadForOwnerOrThrow(uploadId: string, ownerId: string): Promise<Upload> {
  return foundOr404(
    uploadId,
    async (id) =>
      (await queryRows<Upload>(Prisma.sql`SELECT ${UPLOAD_COLUMNS} FROM "Upload" WHERE id = ${id}::uuid AND "ownerId" = ${ownerId}::uuid`))[0] ?? null,
    NO_SUCH_UPLOAD,
  );
}

type SignCallRow = ActorColumn & RateLimitColumns & { pinned: Record<string, string> | null } & ({ id: null } | Upload);

/**
 * Everything a sign call reads, in one round trip before any work: the caller confirmed as an
 * Actor (401 as withUser would), the upload if it is theirs, the digests already pinned for the
 * targets the call names, and the call counted against the user's and the address's sign limits
 * — only for an upload that is theirs, by a caller allowed to write files, so a refused call
 * counts nothing.
 */
async function loadSignCall(args: {
  caller: Caller;
  uploadId: string;
  meta: RequestMeta;
  targets: number[];
}): Promise<{ user: Actor; upload: Upload; pinned: Map<number, string> }> {
  const { caller, meta, targets } = args;
  // Any id that is not a UUID names nothing: not ours (404), but the caller is still checked first.
  const uploadId = isUuid(args.uploadId) ? args.uploadId : null;
  const limit = rateLimitCount(
    "sign",
    { userId: Prisma.sql`(SELECT id FROM actor)`, ip: meta.ip },
    Prisma.sql`EXISTS (SELECT 1 FROM upload) AND ${actorMaySql("files:write")}`,
  );
  const [row] = await queryRows<SignCallRow>(Prisma.sql`
    WITH ${actorSql(caller)},
    upload AS (SELECT ${UPLOAD_COLUMNS} FROM "Upload" WHERE id = ${uploadId}::uuid AND "ownerId" = (SELECT id FROM actor)),
    ${limit.ctes}
    SELECT ${ACTOR_COLUMN}, upload.*, ${limit.columns},
      (SELECT json_object_agg(p."partNumber", p.md5) FROM "UploadPart" p WHERE p."uploadId" = upload.id AND p."partNumber" = ANY(${targets}::int[])) AS pinned
    FROM (SELECT 1) AS one LEFT JOIN upload ON true`);
  const user = actorFrom(caller, row!);
  assertScope(user, "files:write");
  const { pinned, ...found } = row!;
  if (found.id === null) throw new AppError("not_found", NO_SUCH_UPLOAD);
  limit.enforce(row!);
  return { user, upload: found, pinned: new Map(Object.entries(pinned ?? {}).map(([part, md5]) => [Number(part), md5])) };
}

function toSignable(u: Upload): SignableUpload {
  return { ...u, size: Number(u.size), partSize: Number(u.partSize) };
}

type SignArgs = { caller: Caller; uploadId: string; body: SignBody; meta: RequestMeta };

// POST /api/uploads/:id/sign — one request, or a batch of up to MAX_SIGN_BATCH.
export async function signUploadRequests(args: SignArgs) {
  const started = performance.now();
  let result: "ok" | "refused" | "error" = "ok";
  try {
    return await signCall(args);
  } catch (error) {
    result = resultOf(error);
    throw error;
  } finally {
    metrics().signDuration.observe({ result }, (performance.now() - started) / 1000);
  }
}

async function signCall(args: SignArgs) {
  const { caller, uploadId, body } = args;
  const requests: PresignableRequest[] = "requests" in body ? body.requests : [body];
  // Every PUT with a digest may pin one (part n, or part 1 for a single PUT); the authoriser decides which do.
  const targets = requests.flatMap((r) => (r.method === "PUT" && r.contentMd5 !== undefined ? [r.partNumber ?? 1] : []));
  const loaded = await loadSignCall({ caller, uploadId, meta: args.meta, targets });
  const { user } = loaded;
  const meta: RequestMeta = { ...args.meta, tokenId: user.tokenId };
  let upload = loaded.upload;
  const now = new Date();

  // Authorise every request before signing any: a batch is all or nothing.
  const target = storage().kind;
  let operations = requests.map((r) => authorizeSignRequest(toSignable(upload), r, now, target));
  const unpinned = new Set(operations.filter((o) => o.needsPin).map((o) => (o as { uploadId: string }).uploadId));
  if (unpinned.size > 1) throw new AppError("upload_id_mismatch", "A batch may name only one uploadId.");
  const digests = digestsToPin(operations, loaded.pinned);
  // URLs to a storage that is down would only fail in the browser: say so here (503, retryable),
  // from what the probe last saw rather than a storage request of our own.
  assertStorageAvailable();
  const [candidate] = unpinned;
  if (candidate !== undefined) {
    upload = await pinMultipartUploadId(upload, candidate);
    operations = requests.map((r) => authorizeSignRequest(toSignable(upload), r, now, target));
  }

  // A URL never outlives the reservation it was signed for.
  const secondsLeft = Math.floor((upload.expiresAt.getTime() - now.getTime()) / 1000);
  const expiresIn = Math.max(1, Math.min(env().UPLOAD_URL_TTL_SECONDS, secondsLeft));
  const expiresAt = new Date(now.getTime() + expiresIn * 1000).toISOString();
  const signed: PresignedRequest[] = await Promise.all(operations.map((o) => storage().presign(o, expiresIn)));
  // The URLs leave only once their digests are pinned and the call is audited.
  const audit: AuditEntry = { action: "upload.signed", actorUserId: user.id, uploadId, key: upload.key, detail: describeOperations(operations, expiresAt) };
  if (digests.size === 0) await recordAuditShared(audit, meta);
  else await pinDigestsAndRecordSigning(upload.id, digests, audit, meta);
  countUploadKeys(operations);
  const results: SignedRequestDto[] = signed.map((s) => ({ ...s, key: upload.key, expiresAt }));
  return "requests" in body ? { results, expiresAt } : results[0]!;
}

/** One audit row per sign call: the operations, and part numbers as a compact list. */
function describeOperations(operations: AuthorizedOperation[], expiresAt: string) {
  const parts = operations.flatMap((o) => (o.op === "uploadPart" || o.op === "putBlock" ? [o.partNumber] : []));
  const others = operations.filter((o) => o.op !== "uploadPart" && o.op !== "putBlock").map((o) => o.op);
  const checksummed = operations.filter((o) => "contentMd5" in o).length;
  return {
    operations: others,
    parts: parts.length > 0 ? { count: parts.length, first: Math.min(...parts), last: Math.max(...parts) } : null,
    checksummed,
    expiresAt,
  };
}

/**
 * The first MD5 signed for a target (the single PUT, or part n) is the only one that ever will
 * be: a second URL for other bytes is refused, so every URL for a target carries the same bytes,
 * and completion knows the ETag storage must report. Pins never change once written, so what
 * loadSignCall read settles a target already pinned: the same digest needs nothing more, another
 * is refused (409) before anything is written. Returns the digests still to pin.
 */
function digestsToPin(operations: AuthorizedOperation[], pinned: Map<number, string>): Map<number, string> {
  const wanted = new Map<number, string>();
  for (const o of operations) {
    if (o.op !== "putObject" && o.op !== "uploadPart" && o.op !== "putBlock") continue;
    const target = o.op === "putObject" ? 1 : o.partNumber;
    if (wanted.has(target) && wanted.get(target) !== o.contentMd5) throw checksumConflict(target);
    wanted.set(target, o.contentMd5);
  }
  for (const [target, md5] of wanted) {
    const pin = pinned.get(target);
    if (pin !== undefined && pin !== md5) throw checksumConflict(target);
    if (pin !== undefined) wanted.delete(target);
  }
  return wanted;
}

/**
 * Pins the new digests and writes the call's audit row in one statement, or, when a target was
 * pinned to other bytes since loadSignCall looked, neither (409): a refused batch pins nothing and
 * is not recorded as signed. Two calls racing to pin the same new part meet at its primary key:
 * the later one's whole statement fails and runs again, now seeing the first one's digest (at most
 * once per target it names, since each is newly pinned only once).
 */
async function pinDigestsAndRecordSigning(uploadId: string, digests: Map<number, string>, audit: AuditEntry, meta: RequestMeta): Promise<void> {
  const statement = Prisma.sql`
    WITH wanted AS (SELECT * FROM unnest(${[...digests.keys()]}::int[], ${[...digests.values()]}::text[]) AS t(n, md5)),
    conflict AS (
      SELECT min(p."partNumber") AS "partNumber" FROM "UploadPart" p JOIN wanted w ON w.n = p."partNumber"
      WHERE p."uploadId" = ${uploadId}::uuid AND p.md5 <> w.md5
    ),
    pinned AS (
      INSERT INTO "UploadPart" ("uploadId", "partNumber", md5)
      SELECT ${uploadId}::uuid, w.n, w.md5 FROM wanted w
      WHERE (SELECT "partNumber" FROM conflict) IS NULL
        AND NOT EXISTS (SELECT 1 FROM "UploadPart" p WHERE p."uploadId" = ${uploadId}::uuid AND p."partNumber" = w.n)
    ),
    audit AS (${auditRowSql(audit, meta, Prisma.sql`(SELECT "partNumber" FROM conflict) IS NULL`)})
    SELECT "partNumber" AS "conflictPart" FROM conflict`;
  for (let retries = 0; ; retries++) {
    try {
      const [row] = await queryRows<{ conflictPart: number | null }>(statement);
      if (row?.conflictPart != null) throw checksumConflict(row.conflictPart);
      return;
    } catch (error) {
      if (!isUniqueViolation(error, "UploadPart_pkey") || retries >= digests.size) throw error;
    }
  }
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
  if (exists === null) logger().warn({ uploadId: upload.id }, `Storage cannot list multipart parts; pinned uploadId for upload ${upload.id} unverified.`);
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

  const started = performance.now();
  const settled = await finishAndSettle(upload, user.id, meta);
  if (!settled) {
    throw new AppError("not_uploaded", "Storage has no object for this upload yet. Finish sending the bytes, then complete again.");
  }
  metrics().verificationDuration.observe({ outcome: settled.status }, (performance.now() - started) / 1000);
  if (settled.status === "READY") return toFileDto(settled);
  throw settledError(settled);
}

/**
 * Storage's part of completion (Azure: commit the blocks the reservation allows), then
 * verification. Null while storage holds no object for the upload; an AppError not_uploaded from
 * the backend says what is still missing. Used by the completion call and by the reconciler
 * (an Azure block upload whose completion call never came).
 */
export async function finishAndSettle(upload: Upload, actorUserId: string | null, meta: RequestMeta): Promise<Upload | null> {
  const expected = await contentExpectation(upload);
  const refused = await storage().finishUpload(expected);
  if (refused) {
    await storage().abortMultipartUpload(upload.key, unfinishedUploadId(upload) ?? "");
    return settleAs(upload, refused, null, null, actorUserId, meta);
  }
  const stored = await storage().headObject(upload.key);
  return stored ? settleUpload(upload, stored, actorUserId, meta, expected) : null;
}

/**
 * Verifies an object that landed for a PENDING upload and settles the row: READY, or REJECTED
 * with the object deleted. Used by the completion call and by the reconciler (lost callbacks).
 * Returns the row as it ends up: a racing settlement may have got there first, with the same verdict.
 */
export async function settleUpload(
  upload: Upload,
  stored: StoredObject,
  actorUserId: string | null,
  meta: RequestMeta,
  known?: Awaited<ReturnType<typeof contentExpectation>>,
): Promise<Upload> {
  const expected = known ?? (await contentExpectation(upload));
  const reason = verificationFailure(upload, stored, expected) ?? (await storage().contentFailure(expected, stored));
  // Size, type, metadata and digests as storage reports them are right; now look at the bytes themselves.
  const mismatch = reason
    ? null
    : contentMismatch(upload.contentType, await detectContent(await storage().readHead(upload.key, SNIFF_BYTES, stored.versionId)));
  return settleAs(upload, reason, mismatch, stored, actorUserId, meta);
}

/** What the landed bytes must be: the reservation's geometry and the digests pinned when its URLs were signed. */
async function contentExpectation(upload: Upload): Promise<ContentExpectation & { pinned: Array<{ partNumber: number; md5: string }> }> {
  const pinned = await db().uploadPart.findMany({ where: { uploadId: upload.id }, orderBy: { partNumber: "asc" }, select: { partNumber: true, md5: true } });
  return {
    key: upload.key,
    contentType: upload.contentType,
    strategy: upload.strategy,
    size: Number(upload.size),
    partSize: Number(upload.partSize),
    partCount: upload.partCount,
    digests: pinned.map((d) => d.md5),
    pinned,
  };
}

/** REJECTED (object deleted), QUARANTINED (kept for admins, never served) or READY, from PENDING only. */
async function settleAs(
  upload: Upload,
  reason: string | null,
  mismatch: string | null,
  stored: StoredObject | null,
  actorUserId: string | null,
  meta: RequestMeta,
): Promise<Upload> {
  if (reason) await storage().deleteObject(upload.key, stored?.versionId);
  const verified = { etag: stored?.etag ?? null, versionId: stored?.versionId ?? null };
  const outcome = reason
    ? { data: { status: "REJECTED" as const, rejectReason: reason }, action: "upload.rejected" as const, detail: { reason } }
    : mismatch
      ? { data: { status: "QUARANTINED" as const, rejectReason: mismatch, ...verified }, action: "upload.quarantined" as const, detail: { reason: mismatch } }
      : { data: { status: "READY" as const, ...verified }, action: "upload.completed" as const, detail: { size: stored?.size, etag: verified.etag } };
  const isMoved = await db().$transaction(async (tx) => {
    const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { ...outcome.data, completedAt: new Date() } });
    if (moved.count !== 1) return false;
    await recordAudit(tx, { action: outcome.action, actorUserId, uploadId: upload.id, key: upload.key, detail: outcome.detail }, meta);
    // What happens after, queued with the change: a READY file's checksum (whose job then tells
    // the webhooks it is ready) and thumbnail; a refusal goes to the webhooks at once.
    if (outcome.data.status === "READY") await addReadyJobs(tx, upload.id, THUMBNAIL_SOURCE_TYPES.has(upload.contentType));
    else
      await enqueueEvent(tx, outcome.data.status === "REJECTED" ? "upload.rejected" : "upload.quarantined", {
        file: webhookFile(upload),
        reason: outcome.data.rejectReason,
      });
    return true;
  });
  // Counted once, by whichever settlement moved the row.
  if (isMoved) metrics().uploads.inc({ outcome: outcome.data.status });
  return db().upload.findUniqueOrThrow({ where: { id: upload.id } });
}

function settledError(upload: Upload): AppError {
  if (upload.status === "QUARANTINED") {
    return new AppError(
      "upload_quarantined",
      `${upload.rejectReason ?? "The content does not match its type."} The file is quarantined: it cannot be downloaded or shared, and an administrator will review it.`,
    );
  }
  return new AppError("upload_rejected", upload.rejectReason ?? `This upload is ${upload.status.toLowerCase()}.`);
}

/** Why what landed is not what Valet signed, as far as the reservation and its pins tell (the backend checks the bytes' digests). */
function verificationFailure(upload: Upload, stored: StoredObject, expected: { pinned: Array<{ partNumber: number }> }): string | null {
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
  const { pinned } = expected;
  const complete = pinned.length === upload.partCount && pinned.every((d, i) => d.partNumber === i + 1);
  if (!complete) return `Content mismatch: not every part of this upload was signed with a checksum, so its bytes cannot be verified.`;
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
  const unfinished = unfinishedUploadId(upload);
  if (unfinished) await storage().abortMultipartUpload(upload.key, unfinished);
  // A single PUT may have landed before the cancel; a multipart upload may have been completed.
  // (One that lands later, through a URL the browser still holds, is deleted by the reconciler.)
  await storage().deleteObject(upload.key);
  const isMoved = await db().$transaction(async (tx) => {
    const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "PENDING" }, data: { status: "ABORTED", completedAt: new Date() } });
    if (moved.count === 1) await recordAudit(tx, { action: "upload.aborted", actorUserId, uploadId: upload.id, key: upload.key }, meta);
    return moved.count === 1;
  });
  if (isMoved) metrics().uploads.inc({ outcome: "ABORTED" });
}
