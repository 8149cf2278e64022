import "server-only";

import { Prisma } from "@/generated/prisma/client";

import { queryRows } from "./db";
import { storageProbe } from "./storage";

// GET /api/health. The database is asked on every call; storage is what the instance's probe
// last saw (a fresh look when that is older than STORAGE_PROBE_INTERVAL_SECONDS), which is what
// reserve and sign act on: a load balancer and the API agree on whether storage is up.
export async function checkHealth() {
  const [database, objectStorage] = await Promise.all([databaseStatus(), storageProbe().check()]);
  return { ok: database === "ok" && objectStorage === "ok", database, storage: objectStorage };
}

/** One `SELECT 1`: does the database answer now? (Also read by valet_database_up on each scrape.) */
export async function databaseStatus(): Promise<"ok" | "unavailable"> {
  return queryRows(Prisma.sql`SELECT 1`).then(
    () => "ok" as const,
    () => "unavailable" as const,
  );
}
