import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "./env";

// One client per process; `next dev` re-evaluates modules on every edit, so keep it on globalThis.
const globalForDb = globalThis as unknown as { valetDb?: PrismaClient };

export function db(): PrismaClient {
  globalForDb.valetDb ??= new PrismaClient({
    // With a pool of one (dev), requests queue for the connection; the timeout bounds that wait.
    adapter: new PrismaPg({ connectionString: env().DATABASE_URL, max: env().DATABASE_POOL_SIZE, connectionTimeoutMillis: 5_000 }),
  });
  return globalForDb.valetDb;
}

export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
