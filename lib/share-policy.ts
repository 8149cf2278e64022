// Rules for share links that need no I/O: expiry maths, status, password throttling, and which
// types may be shown inline. Shared by the server and the owner's UI.
import { AppError } from "./errors";

export const HOUR_SECONDS = 3600;
export const DAY_SECONDS = 24 * HOUR_SECONDS;

export const SHARE_EXPIRY_PRESETS = [
  { label: "1 hour", seconds: HOUR_SECONDS },
  { label: "1 day", seconds: DAY_SECONDS },
  { label: "7 days", seconds: 7 * DAY_SECONDS },
] as const;
export const DEFAULT_SHARE_TTL_SECONDS = 7 * DAY_SECONDS;
/** Shorter links than this would expire before anyone could open them. */
export const MIN_SHARE_TTL_SECONDS = 60;

/** Wrong passwords allowed per link within one window before it answers 429. */
export const PASSWORD_MAX_FAILURES = 5;
export const PASSWORD_FAILURE_WINDOW_SECONDS = 15 * 60;

export type ShareStatus = "active" | "expired" | "used_up" | "revoked";

export interface ShareState {
  revokedAt: Date | null;
  expiresAt: Date;
  maxDownloads: number | null;
  downloadCount: number;
}

export function shareExpiry(now: Date, expiresInSeconds: number | undefined, maxTtlSeconds: number): Date {
  const seconds = expiresInSeconds ?? Math.min(DEFAULT_SHARE_TTL_SECONDS, maxTtlSeconds);
  if (!Number.isInteger(seconds) || seconds < MIN_SHARE_TTL_SECONDS || seconds > maxTtlSeconds) {
    throw new AppError("invalid_input", `expiresInSeconds must be a whole number from ${MIN_SHARE_TTL_SECONDS} to ${maxTtlSeconds}.`);
  }
  return new Date(now.getTime() + seconds * 1000);
}

/** Revoked wins over expired, which wins over used up: the message names the first reason. */
export function shareStatus(link: ShareState, now: Date): ShareStatus {
  if (link.revokedAt !== null) return "revoked";
  if (link.expiresAt.getTime() <= now.getTime()) return "expired";
  if (link.maxDownloads !== null && link.downloadCount >= link.maxDownloads) return "used_up";
  return "active";
}

export const SHARE_STATUS_LABELS: Record<ShareStatus, string> = {
  active: "Active",
  expired: "Expired",
  used_up: "Used up",
  revoked: "Revoked",
};

/** Why a link no longer works, in words for the person who opened it. */
export const SHARE_GONE_MESSAGES: Record<Exclude<ShareStatus, "active">, string> = {
  expired: "This link has expired. Ask the person who shared it for a new one.",
  used_up: "This link has been used as many times as it allows. Ask the person who shared it for a new one.",
  revoked: "This link has been turned off by the person who shared it, or the file was deleted.",
};

export interface ThrottleState {
  passwordFailures: number;
  failureWindowFrom: Date | null;
}

/** Seconds until another password attempt is allowed, or 0 when one is allowed now. */
export function passwordRetryAfter(state: ThrottleState, now: Date): number {
  if (state.failureWindowFrom === null || state.passwordFailures < PASSWORD_MAX_FAILURES) return 0;
  const windowEnds = state.failureWindowFrom.getTime() + PASSWORD_FAILURE_WINDOW_SECONDS * 1000;
  return Math.max(0, Math.ceil((windowEnds - now.getTime()) / 1000));
}

/**
 * Types a browser may render inline from our storage origin without risk: no SVG or HTML
 * (they can run script), nothing a browser would sniff into something else.
 */
const INLINE_SAFE_TYPES = new Set([
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/avif",
  "application/pdf",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
  "video/mp4",
  "video/webm",
  "video/quicktime",
  "text/plain",
]);

export function isInlineSafe(type: string): boolean {
  return INLINE_SAFE_TYPES.has(type);
}

/** The Content-Type storage should answer with for an inline view. */
export function inlineContentType(type: string): string {
  return type === "text/plain" ? "text/plain; charset=utf-8" : type;
}

export type PreviewKind = "image" | "pdf" | "audio" | "video" | "text" | null;

export function previewKind(type: string): PreviewKind {
  if (!isInlineSafe(type)) return null;
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  return type === "application/pdf" ? "pdf" : "text";
}
