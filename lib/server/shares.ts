import "server-only";

import { randomUUID } from "node:crypto";

import { Prisma, type ShareLink, type Upload, type User } from "@/generated/prisma/client";
import type { ShareDto } from "@/lib/dto";
import { AppError, type ErrorCode } from "@/lib/errors";
import {
  inlineContentType,
  isInlineSafe,
  PASSWORD_FAILURE_WINDOW_SECONDS,
  passwordRetryAfter,
  SHARE_GONE_MESSAGES,
  shareExpiry,
  shareStatus,
  type ShareStatus,
} from "@/lib/share-policy";
import type { CreateShareInput } from "@/lib/validation/shares";

import { assertAdmin, assertScope, foundOr404, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db, NOW_UTC } from "./db";
import { env } from "./env";
import { getOwnedFileOrThrow, presignThumbnail, presignVerifiedDownload } from "./files";
import { isLiveShareLink } from "./live-links";
import { metrics } from "./metrics";
import { hashPassword, verifyPassword } from "./passwords";
import { enforceRateLimit } from "./rate-limit";
import { shareErrorPage } from "./share-error-page";
import { generateShareToken, hashShareToken, isWellFormedShareToken } from "./share-token";
import { enqueueEvent, webhookFile } from "./webhooks";

export function toShareDto(link: ShareLink, now = new Date()): ShareDto {
  return {
    id: link.id,
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
    maxDownloads: link.maxDownloads,
    downloadCount: link.downloadCount,
    hasPassword: link.passwordHash !== null,
    status: shareStatus(link, now),
  };
}

// POST /api/files/:id/shares — the token is returned once, inside the URL, and never stored.
export async function createShareLink(args: { user: Actor; fileId: string; input: CreateShareInput; meta: RequestMeta }) {
  const { user, fileId, input, meta } = args;
  // A link hands out the file's bytes: making one needs read access to them as well.
  assertScope(user, "shares:write");
  assertScope(user, "files:read");
  const upload = await foundOr404(fileId, (id) => db().upload.findFirst({ where: { id, ownerId: user.id, status: { not: "DELETED" } } }), "No such file.");
  if (upload.status !== "READY") throw new AppError("invalid_state", "Only finished, verified files can be shared.");
  const expiresAt = shareExpiry(new Date(), input.expiresInSeconds, env().SHARE_MAX_TTL_SECONDS);
  const token = generateShareToken();
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const link = await db().$transaction(async (tx) => {
    const created = await tx.shareLink.create({
      data: {
        id: randomUUID(),
        uploadId: upload.id,
        createdById: user.id,
        tokenHash: hashShareToken(token),
        expiresAt,
        maxDownloads: input.maxDownloads ?? null,
        passwordHash,
      },
    });
    const detail = { expiresAt: expiresAt.toISOString(), maxDownloads: created.maxDownloads, hasPassword: passwordHash !== null };
    await recordAudit(tx, { action: "share.created", actorUserId: user.id, uploadId: upload.id, shareLinkId: created.id, key: upload.key, detail }, meta);
    return created;
  });
  return { ...toShareDto(link), url: `${env().APP_ORIGIN}/s/${token}` };
}

// GET /api/files/:id/shares
export async function listShareLinks(args: { user: Actor; fileId: string }): Promise<ShareDto[]> {
  assertScope(args.user, "files:read");
  const file = await getOwnedFileOrThrow(args.user, args.fileId);
  const links = await db().shareLink.findMany({ where: { uploadId: file.id }, orderBy: { createdAt: "desc" } });
  const now = new Date();
  return links.map((l) => toShareDto(l, now));
}

// DELETE /api/shares/:id — idempotent; only the file's owner may revoke.
export async function revokeShareLink(args: { user: Actor; shareId: string; meta: RequestMeta }): Promise<void> {
  assertScope(args.user, "shares:write");
  const link = await foundOr404(
    args.shareId,
    (id) => db().shareLink.findFirst({ where: { id, upload: { ownerId: args.user.id } }, include: { upload: true } }),
    "No such share link.",
  );
  await db().$transaction(async (tx) => {
    const moved = await tx.shareLink.updateMany({ where: { id: link.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (moved.count === 1) {
      await recordAudit(
        tx,
        { action: "share.revoked", actorUserId: args.user.id, uploadId: link.uploadId, shareLinkId: link.id, key: link.upload.key },
        args.meta,
      );
    }
  });
}

// POST /api/admin/files/:id/revoke-shares — every live link to anyone's file
export async function adminRevokeShares(args: { actor: Actor; fileId: string; meta: RequestMeta }): Promise<number> {
  assertAdmin(args.actor);
  const file = await foundOr404(args.fileId, (id) => db().upload.findUnique({ where: { id } }), "No such file.");
  return db().$transaction(async (tx) => {
    const live = await tx.shareLink.findMany({ where: { uploadId: file.id, revokedAt: null }, select: { id: true } });
    await tx.shareLink.updateMany({ where: { id: { in: live.map((l) => l.id) } }, data: { revokedAt: new Date() } });
    for (const link of live) {
      await recordAudit(tx, { action: "share.revoked", actorUserId: args.actor.id, uploadId: file.id, shareLinkId: link.id, key: file.key }, args.meta);
    }
    return live.length;
  });
}

export type ResolvedShare = { link: ShareLink; file: Upload; owner: Pick<User, "name" | "email" | "disabledAt">; status: ShareStatus };

/** What the public share page shows. Unknown tokens (or a malformed one) resolve to null. */
export async function resolveShareLink(token: string): Promise<ResolvedShare | null> {
  if (!isWellFormedShareToken(token)) return null;
  const link = await db().shareLink.findUnique({
    where: { tokenHash: hashShareToken(token) },
    include: { upload: { include: { owner: { select: { name: true, email: true, disabledAt: true } } } } },
  });
  if (!link) return null;
  const { upload, ...rest } = link;
  const { owner, ...file } = upload;
  // A file that is no longer READY, or whose owner was disabled, cannot be shared.
  const status = file.status === "READY" && owner.disabledAt === null ? shareStatus(rest, new Date()) : "revoked";
  return { link: rest, file, owner, status };
}

/**
 * For the share page: null while the link works; otherwise the small page that says only that it
 * does not (404 for an unknown token, 410 for an expired, used-up or revoked link, a deleted or
 * quarantined file, a disabled sharer) and nothing about the file.
 */
export async function deadLinkPage(token: string): Promise<Response | null> {
  const resolved = await resolveShareLink(token);
  if (resolved?.status === "active") return null;
  return shareErrorPage(resolved ? goneError(resolved.status) : unknownLink(), token);
}

const unknownLink = () => new AppError("not_found", "There is no share link at this address. Check that you copied all of it.");

const GONE_CODES: Record<Exclude<ShareStatus, "active">, ErrorCode> = { expired: "link_expired", used_up: "link_used_up", revoked: "link_revoked" };

function goneError(status: Exclude<ShareStatus, "active">): AppError {
  return new AppError(GONE_CODES[status], SHARE_GONE_MESSAGES[status]);
}

type ShareDownloadArgs = { token: string; password?: string; meta: RequestMeta };

// GET|POST /s/:token/download — checks in order: known, still valid, password; then counts
// the download atomically and hands out a GET that lives SHARE_DOWNLOAD_URL_TTL_SECONDS.
export async function downloadViaShareLink(args: ShareDownloadArgs): Promise<string> {
  try {
    const url = await downloadShared(args);
    metrics().shareDownloads.inc({ result: "ok" });
    metrics().keysIssued.inc({ operation: "share_download" });
    return url;
  } catch (error) {
    // The refusal's code (link_expired, wrong_password, rate_limited, …): a bounded set.
    metrics().shareDownloads.inc({ result: error instanceof AppError ? error.code : "error" });
    throw error;
  }
}

async function downloadShared(args: ShareDownloadArgs): Promise<string> {
  const resolved = await resolveShareLink(args.token);
  if (!resolved) throw unknownLink();
  const { link, file } = resolved;
  if (resolved.status !== "active") throw goneError(resolved.status);
  await enforceRateLimit("share_download", { ip: args.meta.ip });
  if (link.passwordHash !== null) await checkPassword(link, args.password, args.meta);

  // The count is the gate: only an UPDATE that still finds the link valid may hand out a URL,
  // so two racing downloads of a one-download link cannot both succeed.
  const counted = await db().$transaction(async (tx) => {
    const n = await tx.$executeRaw`
      UPDATE "ShareLink" SET "downloadCount" = "downloadCount" + 1
      WHERE id = ${link.id}::uuid AND ${isLiveShareLink("ShareLink")}`;
    if (n === 1) await enqueueEvent(tx, "share.downloaded", { file: webhookFile(file), share: { id: link.id }, download: link.downloadCount + 1 });
    return n;
  });
  if (counted !== 1) {
    const again = await resolveShareLink(args.token);
    throw goneError(again && again.status !== "active" ? again.status : "used_up");
  }
  const expiresIn = env().SHARE_DOWNLOAD_URL_TTL_SECONDS;
  const url = await presignVerifiedDownload(file, { contentType: file.contentType, expiresIn }, args.meta);
  const detail = { expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(), download: link.downloadCount + 1 };
  await recordAudit(db(), { action: "share.downloaded", actorUserId: null, uploadId: file.id, shareLinkId: link.id, key: file.key, detail }, args.meta);
  return url;
}

/**
 * At most PASSWORD_MAX_FAILURES password checks per link per window, whatever the concurrency: the
 * attempt is counted (one atomic UPDATE) before the password is checked, and a right password
 * gives its count back. The window restarts once it is over.
 */
async function checkPassword(link: ShareLink, password: string | undefined, meta: RequestMeta): Promise<void> {
  if (!password) throw new AppError("password_required", "This link is protected by a password. Enter it to download.");
  await enforceRateLimit("password", { ip: meta.ip });
  const isNewWindow = Prisma.sql`"failureWindowFrom" IS NULL OR "failureWindowFrom" < ${NOW_UTC} - make_interval(secs => ${PASSWORD_FAILURE_WINDOW_SECONDS})`;
  const [counted] = await db().$queryRaw<Array<{ passwordFailures: number; failureWindowFrom: Date }>>`
    UPDATE "ShareLink" SET
      "passwordFailures" = CASE WHEN ${isNewWindow} THEN 1 ELSE "passwordFailures" + 1 END,
      "failureWindowFrom" = CASE WHEN ${isNewWindow} THEN ${NOW_UTC} ELSE "failureWindowFrom" END
    WHERE id = ${link.id}::uuid
    RETURNING "passwordFailures", "failureWindowFrom"`;
  if (!counted) throw unknownLink();
  // This attempt is number `passwordFailures`: beyond the allowance it is refused unchecked.
  const retryAfter = passwordRetryAfter({ passwordFailures: counted.passwordFailures - 1, failureWindowFrom: counted.failureWindowFrom }, new Date());
  if (retryAfter > 0) {
    metrics().rateLimited.inc({ limit: "password", per: "link" });
    throw new AppError("rate_limited", `Too many wrong passwords for this link. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`, {
      retryAfterSeconds: retryAfter,
    });
  }
  if (await verifyPassword(link.passwordHash!, password)) {
    await db().$executeRaw`UPDATE "ShareLink" SET "passwordFailures" = GREATEST("passwordFailures" - 1, 0) WHERE id = ${link.id}::uuid`;
    return;
  }
  await recordAudit(db(), { action: "share.password_failed", actorUserId: null, uploadId: link.uploadId, shareLinkId: link.id }, meta);
  throw new AppError("wrong_password", "That password is not right. Check it and try again.");
}

/** A short-lived inline URL for the share page's preview; not counted as a download. */
export async function createSharePreviewUrl(resolved: ResolvedShare, meta: RequestMeta): Promise<string | null> {
  const { link, file } = resolved;
  // Previews would hand out the bytes uncounted, so only links without limits get one.
  if (resolved.status !== "active" || link.passwordHash !== null || link.maxDownloads !== null || !isInlineSafe(file.contentType)) return null;
  const expiresIn = env().SHARE_DOWNLOAD_URL_TTL_SECONDS * 5;
  // Each view signs a URL and writes an audit row: counted like a download, per address; past the
  // limit the page still shows, without the preview.
  try {
    await enforceRateLimit("share_download", { ip: meta.ip });
  } catch (error) {
    if (error instanceof AppError && error.code === "rate_limited") return null;
    throw error;
  }
  let url: string;
  try {
    url = await presignVerifiedDownload(file, { contentType: inlineContentType(file.contentType), expiresIn, inline: true }, meta);
  } catch (error) {
    // The file was just quarantined: the page shows no preview, and the link is dead from now on.
    if (error instanceof AppError && error.code === "integrity_failed") return null;
    throw error;
  }
  await recordAudit(db(), { action: "share.preview_signed", actorUserId: null, uploadId: file.id, shareLinkId: link.id, key: file.key }, meta);
  metrics().keysIssued.inc({ operation: "share_preview" });
  return url;
}

/**
 * Whether the share page may show the file's thumbnail. Not behind a password: the password guards
 * what the file shows, and a thumbnail shows it. A link with a download limit may: a 320 px WebP is
 * not the file, so handing it out uncounted gives away none of the downloads the limit rations.
 */
export function mayShowShareThumbnail(resolved: ResolvedShare): boolean {
  return resolved.status === "active" && resolved.link.passwordHash === null && resolved.file.thumbnailKey !== null;
}

// GET /s/:token/thumbnail — the thumbnail while the link works (404 unknown, 410 dead, 404 none or
// password): not a download, but signed and audited per view, and rate-limited per address as the
// preview is.
export async function shareThumbnailUrl(args: { token: string; meta: RequestMeta }): Promise<string> {
  const resolved = await resolveShareLink(args.token);
  if (!resolved) throw unknownLink();
  if (resolved.status !== "active") throw goneError(resolved.status);
  if (!mayShowShareThumbnail(resolved)) throw new AppError("not_found", "This link has no thumbnail.");
  await enforceRateLimit("share_download", { ip: args.meta.ip });
  const { link, file } = resolved;
  const url = await presignThumbnail(file, "share_preview");
  await recordAudit(db(), { action: "share.thumbnail_signed", actorUserId: null, uploadId: file.id, shareLinkId: link.id, key: file.thumbnailKey! }, args.meta);
  return url;
}
