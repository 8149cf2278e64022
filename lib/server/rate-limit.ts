import "server-only";
import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { retryAfterSeconds } from "@/lib/limits";
import { db } from "./db";
import { env } from "./env";

// Rate limits on key issuance, counted in PostgreSQL so that every app instance shares them.
// Fixed one-minute windows, one row per (kind, subject); the upsert is atomic per row.

const WINDOW_SECONDS = 60;
/** Several people can share one address (an office, a NAT), so an IP gets this many users' worth. */
export const IP_ALLOWANCE_FACTOR = 5;
const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

export type LimitKind = "reserve" | "sign" | "share_download" | "password";

const DESCRIPTIONS: Record<LimitKind, string> = {
  reserve: "upload reservations",
  sign: "signing requests",
  share_download: "share downloads",
  password: "password attempts",
};

function perMinute(kind: LimitKind): number {
  const e = env();
  return { reserve: e.RATE_LIMIT_RESERVE_PER_MINUTE, sign: e.RATE_LIMIT_SIGN_PER_MINUTE, share_download: e.RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE, password: e.RATE_LIMIT_PASSWORD_PER_MINUTE }[kind];
}

async function hit(key: string): Promise<{ count: number; windowStart: Date }> {
  const rows = await db().$queryRaw<Array<{ count: number; windowStart: Date }>>`
    INSERT INTO "RateLimit" (key, "windowStart", count) VALUES (${key}, ${NOW_UTC}, 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN "RateLimit"."windowStart" <= ${NOW_UTC} - make_interval(secs => ${WINDOW_SECONDS}) THEN 1 ELSE "RateLimit".count + 1 END,
      "windowStart" = CASE WHEN "RateLimit"."windowStart" <= ${NOW_UTC} - make_interval(secs => ${WINDOW_SECONDS}) THEN ${NOW_UTC} ELSE "RateLimit"."windowStart" END
    RETURNING count, "windowStart"`;
  return rows[0]!;
}

/**
 * Counts one request against the user's limit (when there is a user) and the IP's, and throws
 * 429 with Retry-After when either is exceeded. Share downloads and password attempts come from
 * people without accounts, so they are counted per IP only.
 */
export async function enforceRateLimit(kind: LimitKind, subject: { userId?: string; ip: string | null }): Promise<void> {
  const limit = perMinute(kind);
  const checks: Array<[string, number]> = [];
  if (subject.userId) checks.push([`${kind}:user:${subject.userId}`, limit]);
  if (subject.ip) checks.push([`${kind}:ip:${subject.ip}`, subject.userId ? limit * IP_ALLOWANCE_FACTOR : limit]);
  const now = new Date();
  for (const [key, max] of checks) {
    const { count, windowStart } = await hit(key);
    const wait = retryAfterSeconds(count, max, windowStart, now, WINDOW_SECONDS);
    if (wait > 0) {
      throw new AppError("rate_limited", `Too many ${DESCRIPTIONS[kind]}. Try again in ${wait} second${wait === 1 ? "" : "s"}.`, { retryAfterSeconds: wait });
    }
  }
}

/** Windows older than a day hold nothing anyone checks. */
export async function pruneRateLimits(): Promise<number> {
  return db().$executeRaw`DELETE FROM "RateLimit" WHERE "windowStart" < ${NOW_UTC} - interval '1 day'`;
}
