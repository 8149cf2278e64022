import "server-only";
import { pruneAuditEvents } from "./admin";
import { ConfigError, env } from "./env";
import { pruneRateLimits } from "./rate-limit";
import { storage } from "./storage";

/** How often each instance prunes old audit rows and rate-limit windows (idempotent, so racing instances are harmless). */
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;

export async function startServer(): Promise<void> {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (config.S3_SETUP_BUCKET) {
    await storage().ensureBucket(config.CORS_ALLOWED_ORIGINS);
    console.log(`Bucket "${config.S3_BUCKET}" ready; CORS allows ${config.CORS_ALLOWED_ORIGINS.join(", ")}`);
  }
  const housekeeping = async () => {
    try {
      const audit = await pruneAuditEvents(config.AUDIT_RETENTION_DAYS);
      const windows = await pruneRateLimits();
      if (audit > 0 || windows > 0) console.log(`housekeeping: pruned ${audit} audit rows, ${windows} rate-limit windows`);
    } catch (error) {
      console.error("housekeeping failed", error);
    }
  };
  setInterval(() => void housekeeping(), HOUSEKEEPING_INTERVAL_MS).unref();
  void housekeeping();
}
