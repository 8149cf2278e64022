import "server-only";

import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { retryAfterSeconds } from "@/lib/limits";

import { db, NOW_UTC, queryRows } from "./db";
import { env } from "./env";
import { metrics } from "./metrics";

// Rate limits, counted in PostgreSQL so that every app instance shares them. Fixed windows, one
// row per (kind, subject); the upsert is atomic per row, so a count is never lost to a race and a
// request is counted before the work it guards is done.

/** Several people can share one address (an office, a NAT), so an IP gets this many users' worth. */
export const IP_ALLOWANCE_FACTOR = 5;
/** Sign-in attempts are counted over a quarter of an hour, sign-ups over an hour. */
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
const SIGN_UP_WINDOW_SECONDS = 3600;

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
      return {
        perSubject: e.RATE_LIMIT_SIGN_IN_PER_ACCOUNT,
        perIp: e.RATE_LIMIT_SIGN_IN_PER_IP,
        windowSeconds: SIGN_IN_WINDOW_SECONDS,
        what: "sign-in attempts",
      };
    case "sign_up":
      return { perSubject: 0, perIp: e.RATE_LIMIT_SIGN_UP_PER_IP, windowSeconds: SIGN_UP_WINDOW_SECONDS, what: "new accounts from your address" };
  }
}

function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Each window's count after this request and when it opened; null where it was not counted. */
export interface RateLimitColumns {
  limitCount1: number | null;
  limitStart1: Date | null;
  limitCount2: number | null;
  limitStart2: Date | null;
}

export interface RateLimitCount {
  /** CTEs (`limit_1`, `limit_2`) that count the request, to follow the caller's own after a comma. */
  ctes: Prisma.Sql;
  /** The RateLimitColumns, for the statement's final SELECT list. */
  columns: Prisma.Sql;
  /** Throws 429 with Retry-After when a window the row shows is over its limit. */
  enforce(row: RateLimitColumns): void;
}

/**
 * One request counted against the subject's window (a user id, or an account's email for
 * sign-in) and then the address's, as SQL to run in one statement: the subject's upsert first,
 * the address's only while the subject is within its limit (so a subject that is over does not
 * use up its address's allowance too). Windows are always locked in that order, so concurrent
 * counts cannot deadlock. `onlyIf` (a boolean SQL expression, e.g. "the upload is yours") counts
 * nothing when false, so a refused request costs no allowance.
 */
export function rateLimitCount(
  kind: LimitKind,
  subject: { userId?: string | Prisma.Sql; account?: string; ip: string | null },
  onlyIf: Prisma.Sql = Prisma.sql`true`,
): RateLimitCount {
  const limit = limitFor(kind);
  const checks: Array<{ key: Prisma.Sql | null; max: number; where: string; per: "user" | "account" | "ip" }> = [];
  // A user id may be SQL (e.g. the actor's id from the same statement): the key is built there too.
  const who =
    subject.userId !== undefined
      ? Prisma.sql`${`${kind}:user:`}::text || ${subject.userId}`
      : subject.account
        ? Prisma.sql`${`${kind}:account:${subject.account}`}::text`
        : null;
  checks.push({
    key: who && limit.perSubject > 0 ? who : null,
    max: limit.perSubject,
    where: kind === "sign_in" ? " for this account" : "",
    per: subject.userId !== undefined ? "user" : "account",
  });
  checks.push({
    key: subject.ip ? Prisma.sql`${`${kind}:ip:${subject.ip}`}::text` : null,
    max: limit.perIp,
    where: kind === "sign_in" ? " from your address" : "",
    per: "ip",
  });
  const [first, second] = checks as [(typeof checks)[0], (typeof checks)[0]];
  const windowOver = Prisma.sql`"RateLimit"."windowStart" <= ${NOW_UTC} - make_interval(secs => ${limit.windowSeconds})`;
  const upsert = (key: Prisma.Sql | null, when: Prisma.Sql) => Prisma.sql`
    INSERT INTO "RateLimit" (key, "windowStart", count)
    SELECT ${key ?? Prisma.sql`NULL::text`}, ${NOW_UTC}, 1 WHERE ${key === null ? Prisma.sql`false` : Prisma.sql`true`} AND ${when}
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN ${windowOver} THEN 1 ELSE "RateLimit".count + 1 END,
      "windowStart" = CASE WHEN ${windowOver} THEN ${NOW_UTC} ELSE "RateLimit"."windowStart" END
    RETURNING count, "windowStart"`;
  return {
    ctes: Prisma.sql`
      limit_1 AS (${upsert(first.key, onlyIf)}),
      limit_2 AS (${upsert(second.key, Prisma.sql`(${onlyIf}) AND NOT EXISTS (SELECT 1 FROM limit_1 WHERE count > ${first.max}::int)`)})`,
    columns: Prisma.sql`
      (SELECT count FROM limit_1) AS "limitCount1", (SELECT "windowStart" FROM limit_1) AS "limitStart1",
      (SELECT count FROM limit_2) AS "limitCount2", (SELECT "windowStart" FROM limit_2) AS "limitStart2"`,
    enforce(row) {
      const now = new Date();
      const counted: Array<[number | null, Date | null, (typeof checks)[0]]> = [
        [row.limitCount1, row.limitStart1, first],
        [row.limitCount2, row.limitStart2, second],
      ];
      for (const [count, windowStart, check] of counted) {
        if (count === null || windowStart === null) continue;
        const wait = retryAfterSeconds(count, check.max, windowStart, now, limit.windowSeconds);
        if (wait > 0) {
          metrics().rateLimited.inc({ limit: kind, per: check.per });
          throw new AppError("rate_limited", `Too many ${limit.what}${check.where}. Try again in ${waitText(wait)}.`, { retryAfterSeconds: wait });
        }
      }
    },
  };
}

/**
 * Counts one request against the subject's limit (a user id, or an account's email for sign-in)
 * and the address's, and throws 429 with Retry-After when either is exceeded. One round trip.
 */
export async function enforceRateLimit(kind: LimitKind, subject: { userId?: string; account?: string; ip: string | null }): Promise<void> {
  const count = rateLimitCount(kind, subject);
  const [row] = await queryRows<RateLimitColumns>(Prisma.sql`WITH ${count.ctes} SELECT ${count.columns}`);
  count.enforce(row!);
}

/** Forgets a subject's count, e.g. an account's sign-in attempts once it signed in. */
export async function resetRateLimit(kind: LimitKind, subject: { account: string }): Promise<void> {
  await db().rateLimit.deleteMany({ where: { key: `${kind}:account:${subject.account}` } });
}

/** Windows older than a day hold nothing anyone checks. */
export async function pruneRateLimits(): Promise<number> {
  return db().$executeRaw`DELETE FROM "RateLimit" WHERE "windowStart" < ${NOW_UTC} - interval '1 day'`;
}
