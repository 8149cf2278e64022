import "server-only";

import type { Upload } from "@/generated/prisma/client";
import type { FileDto } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import { inlineContentType, isInlineSafe } from "@/lib/share-policy";

import { assertAdmin, assertScope, foundOr404, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";
import { normalizeEtag } from "./integrity";
import { metrics } from "./metrics";
import { storage } from "./storage";

// A file is an upload that storage confirmed: status READY.

export type { FileDto };

export function toFileDto(u: Upload): FileDto {
  return {
    id: u.id,
    name: u.name,
    size: Number(u.size),
    type: u.contentType,
    createdAt: u.createdAt.toISOString(),
    completedAt: u.completedAt?.toISOString() ?? null,
  };
}

// GET /api/files — newest first, keyset-paginated by (createdAt, id).
export async function listFiles(args: { user: Actor; limit: number; cursor?: string }) {
  assertScope(args.user, "files:read");
  const rows = await db().upload.findMany({
    where: { ownerId: args.user.id, status: "READY" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: args.limit + 1,
    ...(args.cursor ? { cursor: { id: args.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, args.limit);
  return { files: page.map(toFileDto), nextCursor: rows.length > args.limit ? (page.at(-1)?.id ?? null) : null };
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

// DELETE /api/files/:id — also one of the owner's QUARANTINED uploads, which counts against their quota
export async function deleteFile(args: { user: Actor; fileId: string; meta: RequestMeta }): Promise<void> {
  assertScope(args.user, "files:write");
  const file = await foundOr404(
    args.fileId,
    (id) => db().upload.findFirst({ where: { id, ownerId: args.user.id, status: { in: ["READY", "QUARANTINED"] } } }),
    NO_SUCH_FILE,
  );
  await removeFile(file, args.user.id, args.meta);
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
  await db().$transaction(async (tx) => {
    const now = new Date();
    const moved = await tx.upload.updateMany({ where: { id: file.id, status: { in: ["READY", "QUARANTINED"] } }, data: { status: "DELETED", deletedAt: now } });
    if (moved.count === 0) return;
    // Its links stop working with it, and say so (410) rather than vanish (404).
    const revoked = await tx.shareLink.updateMany({ where: { uploadId: file.id, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { action: "file.deleted", actorUserId, uploadId: file.id, key: file.key, detail: { linksRevoked: revoked.count } }, meta);
  });
}

// GET /api/files/:id/download[?inline=1] — a fresh GET for this one object. It lives
// DOWNLOAD_URL_TTL_SECONDS so a video keeps seeking (Range requests) for a while.
export async function createDownloadUrl(args: { user: Actor; fileId: string; inline: boolean; meta: RequestMeta }): Promise<string> {
  assertScope(args.user, "files:read");
  const file = await getOwnedFileOrThrow(args.user, args.fileId);
  const expiresIn = env().DOWNLOAD_URL_TTL_SECONDS;
  // Only types that are safe to render are ever served inline; the rest stay attachments.
  const inline = args.inline && isInlineSafe(file.contentType);
  const contentType = inline ? inlineContentType(file.contentType) : file.contentType;
  const url = await presignVerifiedDownload(file, { contentType, expiresIn, inline }, args.meta);
  const expiresAt = new Date(Date.now() + expiresIn * 1000).toISOString();
  await recordAudit(
    db(),
    { action: "file.download_signed", actorUserId: args.user.id, uploadId: file.id, key: file.key, detail: { expiresAt, inline } },
    args.meta,
  );
  metrics().keysIssued.inc({ operation: inline ? "preview" : "download" });
  return url;
}
