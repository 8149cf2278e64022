import "server-only";
import { db } from "./db";
import { storage } from "./storage";

async function probe(check: () => Promise<unknown>): Promise<"ok" | "unavailable"> {
  try {
    await check();
    return "ok";
  } catch {
    return "unavailable";
  }
}

export async function checkHealth() {
  const [database, objectStorage] = await Promise.all([probe(() => db().$queryRaw`SELECT 1`), probe(() => storage().ping())]);
  return { ok: database === "ok" && objectStorage === "ok", database, storage: objectStorage };
}
