import "server-only";

import { pruneAuditEvents } from "./audit";
import { ConfigError, env } from "./env";
import { pruneJobHistory } from "./jobs/queue";
import { startJobWorker } from "./jobs/runner";
import { logger } from "./log";
import { pruneRateLimits } from "./rate-limit";
import { reconcile } from "./reconciler";
import { issueSetupToken } from "./setup";
import { OBJECT_PREFIX, storage, storageProbe } from "./storage";

/** How often each instance prunes old audit rows and rate-limit windows (idempotent, so racing instances are harmless). */
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;
/** Longer than a reservation lives (24 h), so the rule never cuts off an upload in progress. */
const ABORT_INCOMPLETE_AFTER_DAYS = 2;

export async function startServer(): Promise<void> {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger().fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (config.AZURE && config.AZURE_SETUP_CONTAINER) {
    await storage().ensureBucket({ corsOrigins: config.CORS_ALLOWED_ORIGINS });
    logger().info(`Container "${config.AZURE.container}" ready; the blob service's CORS allows ${config.CORS_ALLOWED_ORIGINS.join(", ")}`);
  } else if (!config.AZURE && config.S3_SETUP_BUCKET) {
    const principals =
      config.S3_UPLOAD_PRINCIPAL && config.S3_DOWNLOAD_PRINCIPAL ? { upload: config.S3_UPLOAD_PRINCIPAL, download: config.S3_DOWNLOAD_PRINCIPAL } : undefined;
    await storage().ensureBucket({ corsOrigins: config.CORS_ALLOWED_ORIGINS, principals });
    logger().info(
      `Bucket "${config.S3_BUCKET}" ready; CORS allows ${config.CORS_ALLOWED_ORIGINS.join(", ")}` +
        (principals ? `; policy: ${principals.upload} may only write and ${principals.download} only read under ${OBJECT_PREFIX}` : ""),
    );
  }
  if (!storage().hasLeastPrivilegeKeys && process.env.NODE_ENV === "development") {
    logger().info("Storage: the main key signs browser URLs (fine for trying Valet; production wants the upload and download keys — README: Security model)");
  } else if (!storage().hasLeastPrivilegeKeys) {
    logger().warn(
      "S3_UPLOAD_ACCESS_KEY_ID/S3_DOWNLOAD_ACCESS_KEY_ID are not both set, so the main storage key signs the URLs browsers get. " +
        "Storage then acts on headers a URL does not sign with the main key's rights: e.g. x-amz-copy-source on an upload URL is not refused by storage " +
        "(completion still rejects what it did not sign). Give Valet a write-only upload key and a read-only download key (README: Storage keys).",
    );
  }
  // Reserve and sign read storage's availability from this probe instead of asking storage each time.
  storageProbe().start();
  const setupToken = await issueSetupToken().catch((error: unknown) => {
    logger().warn(
      { err: error },
      `Could not check for an administrator (${(error as Error).message}); restart once the database answers to get a setup token.`,
    );
    return null;
  });
  if (setupToken) {
    // The one place a secret is logged on purpose: this line is how the operator gets the token
    // (one use, 24 hours, and none is printed once there is an administrator).
    logger().info(
      `Valet has no administrator yet. Sign up, then open ${config.APP_ORIGIN}/setup?token=${setupToken} to become it ` +
        `(valid for 24 hours, once). Or, on the server: npm run admin -- grant <email>`,
    );
  }
  const housekeeping = async () => {
    try {
      const audit = await pruneAuditEvents(config.AUDIT_RETENTION_DAYS);
      const windows = await pruneRateLimits();
      const jobs = await pruneJobHistory();
      if (audit > 0 || windows > 0 || jobs > 0)
        logger().info(`housekeeping: pruned ${audit} audit rows, ${windows} rate-limit windows, ${jobs} job runs and webhook deliveries`);
    } catch (error) {
      logger().error({ err: error }, "housekeeping failed");
    }
  };
  setInterval(() => void housekeeping(), HOUSEKEEPING_INTERVAL_MS).unref();
  void housekeeping();

  try {
    const isSet = await storage().ensureAbortIncompleteRule(OBJECT_PREFIX, ABORT_INCOMPLETE_AFTER_DAYS);
    logger().info(
      isSet
        ? `Bucket lifecycle: incomplete multipart uploads under users/ are aborted after ${ABORT_INCOMPLETE_AFTER_DAYS} days`
        : config.AZURE
          ? "Azure drops uncommitted blocks after 7 days; the reconciler drops those of dead or expired uploads sooner"
          : "Bucket lifecycle rules are not supported by this storage; the reconciler aborts stale multipart uploads instead",
    );
  } catch (error) {
    logger().warn(
      { err: error },
      `Could not set the bucket lifecycle rule (${(error as Error).message}); the reconciler aborts stale multipart uploads instead`,
    );
  }
  if (config.WORKER_CONCURRENCY > 0) {
    // Jobs (thumbnails, checksums, webhooks) run in every instance unless WORKER_CONCURRENCY=0.
    try {
      await startJobWorker({ concurrency: config.WORKER_CONCURRENCY, handleSignals: false });
    } catch (error) {
      logger().error({ err: error }, `jobs: could not start the workers (${(error as Error).message}); uploads work, jobs wait for a worker`);
    }
  }
  if (config.RECONCILE_INTERVAL_SECONDS > 0) {
    const runReconciler = async () => {
      try {
        const r = await reconcile();
        if (!r.skipped) {
          logger().info(
            { reconciler: { ...r, orphans: r.orphans.length } },
            `reconciler: recovered ${r.recovered}, rejected ${r.rejected}, expired ${r.expired}, multipart aborted ${r.multipartAborted}, ` +
              `dead objects deleted ${r.deadObjectsDeleted}, orphans ${r.orphans.length}, errors ${r.errors}`,
          );
        }
      } catch (error) {
        logger().error({ err: error }, "reconciler failed");
      }
    };
    setInterval(() => void runReconciler(), config.RECONCILE_INTERVAL_SECONDS * 1000).unref();
  }
}
