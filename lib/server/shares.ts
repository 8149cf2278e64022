import "server-only";
import { hash, verify } from "@node-rs/argon2";
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
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";
import { getFileForOwnerOrThrow, presignVerifiedDownload } from "./files";
import { generateShareToken, hashShareToken, isWellFormedShareToken } from "./share-token";
import { enforceRateLimit } from "./rate-limit";

// Timestamps are stored as UTC without a zone (Prisma's convention); compare against UTC.
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;
import type { SessionUser } from "./users";


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
export async function createShareLink(args: { user: SessionUser; fileId: string; input: CreateShareInput; meta: RequestMeta }) {
  const { user, fileId, input, meta } = args;
  const upload = await db().upload.findFirst({ where: { id: fileId, ownerId: user.id } });
  if (!upload || upload.status === "DELETED") throw new AppError("not_found", "No such file.");
  if (upload.status !== "READY") throw new AppError("invalid_state", "Only finished, verified files can be shared.");
  const expiresAt = shareExpiry(new Date(), input.expiresInSeconds, env().SHARE_MAX_TTL_SECONDS);
  const token = generateShareToken();
  const passwordHash = input.password === undefined ? null : await hash(input.password);
  const link = await db().$transaction(async (tx) => {
    const created = await tx.shareLink.create({
      data: { id: randomUUID(), uploadId: upload.id, createdById: user.id, tokenHash: hashShareToken(token), expiresAt, maxDownloads: input.maxDownloads ?? null, passwordHash },
    });
    const detail = { expiresAt: expiresAt.toISOString(), maxDownloads: created.maxDownloads, hasPassword: passwordHash !== null };
    await recordAudit(tx, { action: "share.created", actorUserId: user.id, uploadId: upload.id, shareLinkId: created.id, key: upload.key, detail }, meta);
    return created;
  });
  return { ...toShareDto(link), url: `${env().APP_ORIGIN}/s/${token}` };
}

// GET /api/files/:id/shares
export async function listShareLinks(args: { user: SessionUser; fileId: string }): Promise<ShareDto[]> {
  const file = await getFileForOwnerOrThrow(args.fileId, args.user.id);
  const links = await db().shareLink.findMany({ where: { uploadId: file.id }, orderBy: { createdAt: "desc" } });
  const now = new Date();
  return links.map((l) => toShareDto(l, now));
}

// DELETE /api/shares/:id — idempotent; only the file's owner may revoke.
export async function revokeShareLink(args: { user: SessionUser; shareId: string; meta: RequestMeta }): Promise<void> {
  const link = await db().shareLink.findFirst({ where: { id: args.shareId, upload: { ownerId: args.user.id } }, include: { upload: true } });
  if (!link) throw new AppError("not_found", "No such share link.");
  await db().$transaction(async (tx) => {
    const moved = await tx.shareLink.updateMany({ where: { id: link.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (moved.count === 1) {
      await recordAudit(tx, { action: "share.revoked", actorUserId: args.user.id, uploadId: link.uploadId, shareLinkId: link.id, key: link.upload.key }, args.meta);
    }
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

const GONE_CODES: Record<Exclude<ShareStatus, "active">, ErrorCode> = { expired: "link_expired", used_up: "link_used_up", revoked: "link_revoked" };

function goneError(status: Exclude<ShareStatus, "active">): AppError {
  return new AppError(GONE_CODES[status], SHARE_GONE_MESSAGES[status]);
}

// GET|POST /s/:token/download — checks in order: known, still valid, password; then counts
// the download atomically and hands out a GET that lives SHARE_DOWNLOAD_URL_TTL_SECONDS.
export async function downloadViaShareLink(args: { token: string; password?: string; meta: RequestMeta }): Promise<string> {
  const resolved = await resolveShareLink(args.token);
  if (!resolved) throw new AppError("not_found", "There is no share link at this address. Check that you copied all of it.");
  const { link, file } = resolved;
  if (resolved.status !== "active") throw goneError(resolved.status);
  await enforceRateLimit("share_download", { ip: args.meta.ip });
  if (link.passwordHash !== null) await checkPassword(link, args.password, args.meta);

  // The count is the gate: only an UPDATE that still finds the link valid may hand out a URL,
  // so two racing downloads of a one-download link cannot both succeed.
  const counted = await db().$executeRaw`
    UPDATE "ShareLink" SET "downloadCount" = "downloadCount" + 1
    WHERE id = ${link.id}::uuid AND "revokedAt" IS NULL AND "expiresAt" > ${NOW_UTC}
      AND ("maxDownloads" IS NULL OR "downloadCount" < "maxDownloads")`;
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

async function checkPassword(link: ShareLink, password: string | undefined, meta: RequestMeta): Promise<void> {
  const retryAfter = passwordRetryAfter(link, new Date());
  if (retryAfter > 0) {
    throw new AppError("rate_limited", `Too many wrong passwords for this link. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`, { retryAfterSeconds: retryAfter });
  }
  if (!password) throw new AppError("password_required", "This link is protected by a password. Enter it to download.");
  await enforceRateLimit("password", { ip: meta.ip });
  if (await verify(link.passwordHash!, password)) return;
  // Count the failure in a window that restarts once it is over; atomic, so parallel guesses count too.
  await db().$executeRaw`
    UPDATE "ShareLink" SET
      "passwordFailures" = CASE WHEN "failureWindowFrom" IS NULL OR "failureWindowFrom" < ${NOW_UTC} - make_interval(secs => ${PASSWORD_FAILURE_WINDOW_SECONDS}) THEN 1 ELSE "passwordFailures" + 1 END,
      "failureWindowFrom" = CASE WHEN "failureWindowFrom" IS NULL OR "failureWindowFrom" < ${NOW_UTC} - make_interval(secs => ${PASSWORD_FAILURE_WINDOW_SECONDS}) THEN ${NOW_UTC} ELSE "failureWindowFrom" END
    WHERE id = ${link.id}::uuid`;
  await recordAudit(db(), { action: "share.password_failed", actorUserId: null, uploadId: link.uploadId, shareLinkId: link.id }, meta);
  throw new AppError("wrong_password", "That password is not right. Check it and try again.");
}

/** A short-lived inline URL for the share page's preview; not counted as a download. */
export async function createSharePreviewUrl(resolved: ResolvedShare, meta: RequestMeta): Promise<string | null> {
  const { link, file } = resolved;
  // Previews would hand out the bytes uncounted, so only links without limits get one.
  if (resolved.status !== "active" || link.passwordHash !== null || link.maxDownloads !== null || !isInlineSafe(file.contentType)) return null;
  const expiresIn = env().SHARE_DOWNLOAD_URL_TTL_SECONDS * 5;
  let url: string;
  try {
    url = await presignVerifiedDownload(file, { contentType: inlineContentType(file.contentType), expiresIn, inline: true }, meta);
  } catch (error) {
    // The file was just quarantined: the page shows no preview, and the link is dead from now on.
    if (error instanceof AppError && error.code === "integrity_failed") return null;
    throw error;
  }
  await recordAudit(db(), { action: "share.preview_signed", actorUserId: null, uploadId: file.id, shareLinkId: link.id, key: file.key }, meta);
  return url;
}
