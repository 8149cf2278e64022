// `npm run worker`: a process that only runs background jobs (thumbnails, checksums, webhooks),
// with the app's environment (DATABASE_URL, storage settings, AUTH_SECRET). Run as many as the
// work needs, beside app instances with WORKER_CONCURRENCY=0 or not: each job is done once.
// SIGTERM/SIGINT: finishes or hands back the jobs in hand, then exits.
import { ConfigError, env } from "../lib/server/env";
import { startJobWorker } from "../lib/server/jobs/runner";
import { logger } from "../lib/server/log";
import { storageProbe } from "../lib/server/storage";

async function main(): Promise<void> {
  const config = env();
  // WORKER_CONCURRENCY=0 turns off the workers of app instances; a worker process always runs some.
  const concurrency = Math.max(1, config.WORKER_CONCURRENCY);
  storageProbe().start();
  const worker = await startJobWorker({ concurrency, handleSignals: false });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger().info(`jobs: ${signal}: stopping after the jobs in hand`);
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger().error({ err: error }, "jobs: could not stop cleanly");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`worker: ${(error as Error).message}`);
  process.exit(1);
});
