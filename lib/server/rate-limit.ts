import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { retryAfterSeconds } from "@/lib/limits";
import { db } from "./db";
import { env } from "./env";

// Rate limits, counted in PostgreSQL so that every app instance shares them. Fixed windows, one
// row per (kind, subject); the upsert is atomic per row, so a count is never lost to a race and a
// request is counted before the work it guards is done.

/** Several people can share one address (an office, a NAT), so an IP gets this many users' worth. */
export const IP_ALLOWANCE_FACTOR = 5;
/** Sign-in attempts are counted over a quarter of an hour, sign-ups over an hour. */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
const SIGN_UP_WINDOW_SECONDS = 3600;
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

export type LimitKind = "reserve" | "sign" | "share_download" | "password" | "sign_in" | "sign_up";

interface Limit {
  /** In the window, per user (or per account, for sign-in). */
  perSubject: number;
  /** In the window, per client address. */
  perIp: number;
  windowSeconds: number;
  what: string;
}

function limitFor(kind: LimitKind): Limit {
  const e = env();
  const perMinute = (n: number, what: string): Limit => ({ perSubject: n, perIp: n * IP_ALLOWANCE_FACTOR, windowSeconds: 60, what });
  switch (kind) {
    case "reserve":
      return perMinute(e.RATE_LIMIT_RESERVE_PER_MINUTE, "upload reservations");
    case "sign":
      return perMinute(e.RATE_LIMIT_SIGN_PER_MINUTE, "signing requests");
    // People without accounts: counted per address only.
    case "share_download":
      return { perSubject: 0, perIp: e.RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE, windowSeconds: 60, what: "share downloads" };
    case "password":
      return { perSubject: 0, perIp: e.RATE_LIMIT_PASSWORD_PER_MINUTE, windowSeconds: 60, what: "password attempts" };
    case "sign_in":
      return { perSubject: e.RATE_LIMIT_SIGN_IN_PER_ACCOUNT, perIp: e.RATE_LIMIT_SIGN_IN_PER_IP, windowSeconds: SIGN_IN_WINDOW_SECONDS, what: "sign-in attempts" };
    case "sign_up":
      return { perSubject: 0, perIp: e.RATE_LIMIT_SIGN_UP_PER_IP, windowSeconds: SIGN_UP_WINDOW_SECONDS, what: "new accounts from your address" };
  }
}

async function hit(key: string, windowSeconds: number): Promise<{ count: number; windowStart: Date }> {
  const rows = await db().$queryRaw<Array<{ count: number; windowStart: Date }>>`
    INSERT INTO "RateLimit" (key, "windowStart", count) VALUES (${key}, ${NOW_UTC}, 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN "RateLimit"."windowStart" <= ${NOW_UTC} - make_interval(secs => ${windowSeconds}) THEN 1 ELSE "RateLimit".count + 1 END,
      "windowStart" = CASE WHEN "RateLimit"."windowStart" <= ${NOW_UTC} - make_interval(secs => ${windowSeconds}) THEN ${NOW_UTC} ELSE "RateLimit"."windowStart" END
    RETURNING count, "windowStart"`;
  return rows[0]!;
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * Counts one request against the subject's limit (a user id, or an account's email for sign-in)
 * and the address's, and throws 429 with Retry-After when either is exceeded.
 */
export async function enforceRateLimit(kind: LimitKind, subject: { userId?: string; account?: string; ip: string | null }): Promise<void> {
  const limit = limitFor(kind);
  const checks: Array<[string, number, string]> = [];
  const who = subject.userId ? `user:${subject.userId}` : subject.account ? `account:${subject.account}` : undefined;
  if (who && limit.perSubject > 0) checks.push([`${kind}:${who}`, limit.perSubject, kind === "sign_in" ? " for this account" : ""]);
  if (subject.ip) checks.push([`${kind}:ip:${subject.ip}`, limit.perIp, kind === "sign_in" ? " from your address" : ""]);
  const now = new Date();
  for (const [key, max, where] of checks) {
    const { count, windowStart } = await hit(key, limit.windowSeconds);
    const wait = retryAfterSeconds(count, max, windowStart, now, limit.windowSeconds);
    if (wait > 0) throw new AppError("rate_limited", `Too many ${limit.what}${where}. Try again in ${waitText(wait)}.`, { retryAfterSeconds: wait });
  }
}

/** Forgets a subject's count, e.g. an account's sign-in attempts once it signed in. */
export async function resetRateLimit(kind: LimitKind, subject: { account: string }): Promise<void> {
  await db().rateLimit.deleteMany({ where: { key: `${kind}:account:${subject.account}` } });
}

/** Windows older than a day hold nothing anyone checks. */
export async function pruneRateLimits(): Promise<number> {
  return db().$executeRaw`DELETE FROM "RateLimit" WHERE "windowStart" < ${NOW_UTC} - interval '1 day'`;
}
