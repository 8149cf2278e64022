import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { Tx } from "./db";

/** Where a request came from, as recorded with everything it was granted. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** The personal API token the request authenticated with, if any. */
  tokenId?: string;
}

export type AuditAction =
  | "user.created"
  | "upload.reserved"
  | "upload.signed"
  | "upload.completed"
  | "upload.rejected"
  | "upload.aborted"
  | "upload.expired"
  | "upload.quarantined"
  | "reconciler.run"
  | "file.deleted"
  | "file.download_signed"
  | "file.integrity_failed"
  | "file.shares_revoked"
  | "user.role_changed"
  | "user.disabled"
  | "user.enabled"
  | "user.quota_changed"
  | "token.created"
  | "token.revoked"
  | "share.created"
  | "share.revoked"
  | "share.downloaded"
  | "share.preview_signed"
  | "share.password_failed";

export interface AuditEntry {
  action: AuditAction;
  actorUserId: string | null;
  uploadId?: string;
  shareLinkId?: string;
  key?: string;
  detail?: Prisma.InputJsonValue;
}

/** Records one event; pass the transaction of the change it describes where there is one. */
export async function recordAudit(tx: Tx, entry: AuditEntry, meta: RequestMeta): Promise<void> {
  await tx.auditEvent.create({ data: { ...entry, actorTokenId: meta.tokenId ?? null, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 512) ?? null } });
}
