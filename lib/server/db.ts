import "server-only";

import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { Prisma, PrismaClient } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";

import { env } from "./env";
import { logger } from "./log";

// One pool of DATABASE_POOL_SIZE connections per process. Prisma runs on it through the driver
// adapter; the few statements every request pays for (the acting user, the sign call's reads and
// writes) go to it directly through `queryRows`, because Prisma's client engine costs several times the
// CPU of the statement itself (measured on the 2-core bench machine, 16 concurrent: findUnique
// ~440 µs, $queryRaw ~750 µs, the same SELECT on the pool ~180 µs). Both kept on globalThis:
// `next dev` re-evaluates modules on every edit.
const globalForDb = globalThis as unknown as { valetDb?: PrismaClient; valetPool?: pg.Pool };

/** This process's connections (the job runner shares them where the database has one session: dev's PGlite). */
export function pool(): pg.Pool {
  if (!globalForDb.valetPool) {
    // With a pool of one (dev), requests queue for the connection; the timeout bounds that wait.
    const created = new pg.Pool({ connectionString: env().DATABASE_URL, max: env().DATABASE_POOL_SIZE, connectionTimeoutMillis: 5_000 });
    // An idle connection the server dropped (a restart, a cut network) is replaced on next use;
    // without a listener the pool's error event would end the process.
    created.on("error", (error) => logger().warn({ err: error }, `database: idle connection lost (${error.message})`));
    // And one that breaks while in use: its query fails (503), the process goes on.
    created.on("connect", (client) => client.on("error", (error) => logger().warn({ err: error }, `database: connection lost (${error.message})`)));
    globalForDb.valetPool = created;
  }
  return globalForDb.valetPool;
}

export function db(): PrismaClient {
  globalForDb.valetDb ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.valetDb;
}

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** The clock every timestamp column is kept in (Prisma writes `timestamp(3)` in UTC). */
export const NOW_UTC = Prisma.sql`(now() AT TIME ZONE 'UTC')`;

export const DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable right now. Try again in a moment.";

/**
 * Columns as Prisma reads them: `timestamp(3)` (no zone, always UTC here) as a Date in UTC
 * whatever the process's time zone, and bigint as a BigInt rather than a string.
 */
const PRISMA_LIKE_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary"): ((text: string) => unknown) => {
    if (oid === (pg.types.builtins.TIMESTAMP as number)) return (text: string) => new Date(`${text.replace(" ", "T")}Z`);
    if (oid === (pg.types.builtins.INT8 as number)) return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  }) as pg.CustomTypesConfig["getTypeParser"],
};

/** Statement names by text: the same text always gets the same name. */
const statementNames = new Map<string, string>();

/**
 * Runs one statement (built with Prisma.sql, so fragments compose and every value is a
 * parameter) on the pool and returns its rows. A connection that fails (refused, reset, timed out
 * waiting for the pool) is the database being unavailable: 503, as for Prisma's own queries.
 *
 * Each statement is prepared once per connection (a named statement) and then only bound and
 * executed: planning the sign call's statement anew cost PostgreSQL ~1.4 ms of CPU a call, on the
 * same two cores as the app, and ~0.3 ms prepared. So a statement's text must not vary with its
 * values (lists go in as one array parameter), and it names its columns rather than `*`, so that
 * a migration that adds a column does not change the result of a plan prepared before it. (A
 * pooler in front of PostgreSQL must keep named statements: session mode, or PgBouncer ≥ 1.21
 * with max_prepared_statements.)
 */
export async function queryRows<T>(statement: Prisma.Sql): Promise<T[]> {
  const text = statement.text;
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `valet_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  try {
    const result = await pool().query({ name, text, values: statement.values, types: PRISMA_LIKE_TYPES });
    return result.rows as T[];
  } catch (error) {
    if (error instanceof pg.DatabaseError) throw error;
    throw new AppError("database_unavailable", DATABASE_UNAVAILABLE_MESSAGE, { cause: error, retryAfterSeconds: 5 });
  }
}

/** PostgreSQL refused a row because `constraint` already has one with that key. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  return error instanceof pg.DatabaseError && error.code === "23505" && error.constraint === constraint;
}
