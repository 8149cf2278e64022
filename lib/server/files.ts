import "server-only";

import { Prisma, type Upload } from "@/generated/prisma/client";
import type { DeleteFilesResultDto, FileDto, FileListItemDto } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import { FILE_KIND_RULES, type FileKind, type FileKindRule } from "@/lib/media-types";
import { inlineContentType, isInlineSafe } from "@/lib/share-policy";
import type { ListFilesQuery } from "@/lib/validation/files";

import { assertAdmin, assertScope, foundOr404, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";
import { normalizeEtag } from "./integrity";
import { metrics } from "./metrics";
import { storage } from "./storage";
import { containsText, uploadPage, uploadPageStatement, type UploadPageQuery } from "./upload-pages";
import { enqueueEvent, webhookFile } from "./webhooks";

// A file is an upload that storage confirmed: status READY.

export type { FileDto };

export function toFileDto(u: Pick<Upload, "id" | "name" | "size" | "contentType" | "createdAt" | "completedAt" | "sha256" | "thumbnailKey">): FileDto {
  return {
    id: u.id,
    name: u.name,
    size: Number(u.size),
    type: u.contentType,
    createdAt: u.createdAt.toISOString(),
    completedAt: u.completedAt?.toISOString() ?? null,
    thumbnail: u.thumbnailKey !== null,
    sha256: u.sha256,
  };
}

/** One page of My files: the owner's READY files, filtered, in keyset order. */
function ownerFilesPage(ownerId: string, query: ListFilesQuery): UploadPageQuery {
  // ownerId and status first: the (ownerId, status, column, id) index of each sort starts with them.
  const filters = [Prisma.sql`u."ownerId" = ${ownerId}::uuid`, Prisma.sql`u.status = 'READY'`];
  if (query.q) filters.push(containsText(Prisma.sql`u.name`, query.q));
  if (query.type) filters.push(fileKindSql(query.type));
  return { ...query, filters };
}

/** The statement listFiles runs, for a test to EXPLAIN. */
export const ownerFilesStatement = (ownerId: string, query: ListFilesQuery): Prisma.Sql => uploadPageStatement(ownerFilesPage(ownerId, query));

/** The upload's type is of this kind (lib/media-types.ts FILE_KIND_RULES; "other" is none of the rest). */
function fileKindSql(kind: FileKind): Prisma.Sql {
  const isOf = (rule: FileKindRule) =>
    Prisma.join(
      [
        ...rule.prefixes.map((prefix) => Prisma.sql`u."contentType" LIKE ${`${prefix}%`}`),
        ...(rule.types.length > 0 ? [Prisma.sql`u."contentType" = ANY(${rule.types}::text[])`] : []),
      ],
      " OR ",
    );
  if (kind !== "other") return isOf(FILE_KIND_RULES[kind]);
  return Prisma.sql`NOT (${Prisma.join(Object.values(FILE_KIND_RULES).map(isOf), " OR ")})`;
}

// GET /api/files — my READY files: search, kind, sort, keyset pages, with each file's live links.
export async function listFiles(args: { user: Actor; query: ListFilesQuery }): Promise<{ files: FileListItemDto[]; nextCursor: string | null }> {
  assertScope(args.user, "files:read");
  const { rows, nextCursor } = await uploadPage(ownerFilesPage(args.user.id, args.query));
  return {
    files: rows.map((u) => ({ ...toFileDto(u), liveShareLinks: u.liveShareLinks })),
    nextCursor,
  };
}

/** One of the actor's own READY files; anything else (someone else's, a malformed id) is 404. */
export async function getOwnedFileOrThrow(actor: Actor, fileId: string): Promise<Upload> {
  return foundOr404(fileId, (id) => db().upload.findFirst({ where: { id, ownerId: actor.id, status: "READY" } }), NO_SUCH_FILE);
}

const NO_SUCH_FILE = "No such file.";

// GET /api/files/:id
export async function getFile(args: { user: Actor; fileId: string }): Promise<FileDto> {
  assertScope(args.user, "files:read");
  return toFileDto(await getOwnedFileOrThrow(args.user, args.fileId));
}

/**
 * A download URL for exactly the bytes completion verified. A write-once key and a write-only
 * upload key leave nothing a browser could change, but storage itself can be written behind the
 * app's back (a leaked main key, an operator's mistake): so every download first asks storage
 * for the object's ETag (one HEAD) and serves it only if it is still the verified one. Where the
 * bucket is versioned the URL also names the verified version, so even a later overwrite cannot
 * change what it serves. A changed or missing object quarantines the file.
 */
export async function presignVerifiedDownload(
  file: Upload,
  args: { fileName?: string; contentType: string; expiresIn: number; inline?: boolean },
  meta: RequestMeta,
): Promise<string> {
  const stored = await storage().headObject(file.key, file.versionId);
  const problem = !stored
    ? "the object is missing from storage"
    : stored.size !== Number(file.size)
      ? `storage now holds ${stored.size} bytes, not ${file.size}`
      : file.etag !== null && normalizeEtag(stored.etag) !== normalizeEtag(file.etag)
        ? `its ETag is now ${normalizeEtag(stored.etag)}, not the verified ${normalizeEtag(file.etag)}`
        : null;
  if (problem) {
    const reason = `Changed in storage after it was verified: ${problem}.`;
    await db().$transaction(async (tx) => {
      const moved = await tx.upload.updateMany({ where: { id: file.id, status: "READY" }, data: { status: "QUARANTINED", rejectReason: reason } });
      if (moved.count === 1)
        await recordAudit(tx, { action: "file.integrity_failed", actorUserId: null, uploadId: file.id, key: file.key, detail: { reason } }, meta);
    });
    throw new AppError(
      "integrity_failed",
      "This file's bytes in storage are no longer the ones Valet verified, so they are not served. The file has been quarantined for an administrator to check.",
    );
  }
  // Files verified before ETags were recorded keep the one they have now.
  if (file.etag === null && stored?.etag) await db().upload.updateMany({ where: { id: file.id, etag: null }, data: { etag: stored.etag } });
  return storage().presignDownload({
    key: file.key,
    versionId: file.versionId,
    fileName: args.fileName ?? file.name,
    contentType: args.contentType,
    expiresIn: args.expiresIn,
    inline: args.inline,
  });
}

/** What an owner may delete: a READY file, or a QUARANTINED one, which counts against their quota. */
const deletableBy = (ownerId: string) => ({ ownerId, status: { in: ["READY" as const, "QUARANTINED" as const] } });

// DELETE /api/files/:id
export async function deleteFile(args: { user: Actor; fileId: string; meta: RequestMeta }): Promise<void> {
  assertScope(args.user, "files:write");
  const file = await foundOr404(args.fileId, (id) => db().upload.findFirst({ where: { id, ...deletableBy(args.user.id) } }), NO_SUCH_FILE);
  await removeFile(file, args.user.id, args.meta);
}

/**
 * POST /api/files/delete — several of the actor's files, each removed as DELETE /api/files/:id
 * removes one (object, row, links, audit row). Ids that name none of them (someone else's, gone,
 * never were) are reported, not refused: nothing of anyone else's is read or touched. One file
 * after another, so a storage outage stops the batch at the first file it could not delete; the
 * ones before stay deleted, and asking again reports them as not found.
 */
export async function deleteFiles(args: { user: Actor; ids: string[]; meta: RequestMeta }): Promise<DeleteFilesResultDto> {
  assertScope(args.user, "files:write");
  const ids = [...new Set(args.ids.map((id) => id.toLowerCase()))];
  const files = await db().upload.findMany({ where: { id: { in: ids }, ...deletableBy(args.user.id) } });
  for (const file of files) await removeFile(file, args.user.id, args.meta);
  const found = new Set(files.map((f) => f.id));
  return { deleted: ids.filter((id) => found.has(id)), notFound: ids.filter((id) => !found.has(id)) };
}

// DELETE /api/admin/files/:id — anyone's file, quarantined ones too
export async function adminDeleteFile(args: { actor: Actor; fileId: string; meta: RequestMeta }): Promise<void> {
  assertAdmin(args.actor);
  const file = await foundOr404(args.fileId, (id) => db().upload.findFirst({ where: { id, status: { in: ["READY", "QUARANTINED"] } } }), NO_SUCH_FILE);
  await removeFile(file, args.actor.id, args.meta);
}

/** Object first: if storage is down, the file stays listed and intact. Its links die with it. */
export async function removeFile(file: Upload, actorUserId: string, meta: RequestMeta): Promise<void> {
  await storage().deleteObject(file.key, file.versionId);
  if (file.thumbnailKey) await storage().deleteObject(file.thumbnailKey);
  await db().$transaction(async (tx) => {
    const now = new Date();
    const moved = await tx.upload.updateMany({ where: { id: file.id, status: { in: ["READY", "QUARANTINED"] } }, data: { status: "DELETED", deletedAt: now } });
    if (moved.count === 0) return;
    // Its links stop working with it, and say so (410) rather than vanish (404).
    const revoked = await tx.shareLink.updateMany({ where: { uploadId: file.id, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { action: "file.deleted", actorUserId, uploadId: file.id, key: file.key, detail: { linksRevoked: revoked.count } }, meta);
    await enqueueEvent(tx, "file.deleted", { file: webhookFile(file), deletedBy: actorUserId, linksRevoked: revoked.count });
  });
}

// GET /api/files/:id/download[?inline=1] — a fresh GET for this one object. It lives
// DOWNLOAD_URL_TTL_SECONDS so a video keeps seeking (Range requests) for a while.
export async function createDownloadUrl(args: { user: Actor; fileId: string; inline: boolean; meta: RequestMeta }): Promise<string> {
  assertScope(args.user, "files:read");
  const file = await getOwnedFileOrThrow(args.user, args.fileId);
  // Only types that are safe to render are ever served inline; the rest stay attachments.
  const inline = args.inline && isInlineSafe(file.contentType);
  return signOwnerDownload(args.user, file, { inline, expiresIn: env().DOWNLOAD_URL_TTL_SECONDS }, args.meta);
}

/** A thumbnail's storage URL is fetched the moment the browser follows the redirect to it. */
export const THUMBNAIL_URL_TTL_SECONDS = 60;

const NO_THUMBNAIL = "This file has no thumbnail (yet).";

// GET /api/files/:id/thumbnail — what a list's <img> loads: the WebP a worker made (jobs/tasks.ts).
export async function createThumbnailUrl(args: { user: Actor; fileId: string; meta: RequestMeta }): Promise<string> {
  assertScope(args.user, "files:read");
  return signThumbnailFor(args.user, await getOwnedFileOrThrow(args.user, args.fileId), args.meta);
}

// GET /api/admin/files/:id/thumbnail — anyone's READY file; a quarantined one shows nothing.
export async function adminThumbnailUrl(args: { actor: Actor; fileId: string; meta: RequestMeta }): Promise<string> {
  assertAdmin(args.actor);
  const file = await foundOr404(args.fileId, (id) => db().upload.findFirst({ where: { id, status: "READY" } }), NO_SUCH_FILE);
  return signThumbnailFor(args.actor, file, args.meta);
}

/** The thumbnail URL, audited as signed for this actor. */
async function signThumbnailFor(actor: Actor, file: Upload, meta: RequestMeta): Promise<string> {
  const url = await presignThumbnail(file);
  await recordAudit(db(), { action: "file.thumbnail_signed", actorUserId: actor.id, uploadId: file.id, key: file.thumbnailKey! }, meta);
  return url;
}

/**
 * An inline GET of the file's generated thumbnail, or 404 while it has none. No HEAD first, unlike
 * presignVerifiedDownload: the object is one the server wrote itself under thumbnails/, where no
 * upload URL can reach, and it is a 320 px derivative, not the verified bytes. Counted as a preview key.
 */
export async function presignThumbnail(
  file: Pick<Upload, "name" | "status" | "thumbnailKey">,
  operation: "preview" | "share_preview" = "preview",
): Promise<string> {
  if (file.status !== "READY" || file.thumbnailKey === null) throw new AppError("not_found", NO_THUMBNAIL);
  const url = await storage().presignDownload({
    key: file.thumbnailKey,
    fileName: `${file.name}.webp`,
    contentType: "image/webp",
    expiresIn: THUMBNAIL_URL_TTL_SECONDS,
    inline: true,
  });
  metrics().keysIssued.inc({ operation });
  return url;
}

/** One HEAD (presignVerifiedDownload), a URL signed locally, one audit row, one key counted. */
async function signOwnerDownload(user: Actor, file: Upload, args: { inline: boolean; expiresIn: number }, meta: RequestMeta): Promise<string> {
  const { inline, expiresIn } = args;
  const contentType = inline ? inlineContentType(file.contentType) : file.contentType;
  const url = await presignVerifiedDownload(file, { contentType, expiresIn, inline }, meta);
  const expiresAt = new Date(Date.now() + expiresIn * 1000).toISOString();
  await recordAudit(db(), { action: "file.download_signed", actorUserId: user.id, uploadId: file.id, key: file.key, detail: { expiresAt, inline } }, meta);
  metrics().keysIssued.inc({ operation: inline ? "preview" : "download" });
  return url;
}
