// `npm run reconcile -- [--dry-run] [--fix]`, with the app's environment (DATABASE_URL, S3_*, …).
// --dry-run reports what it would do and changes nothing; --fix also deletes orphaned objects (no
// row at all). Objects whose row is dead (aborted, rejected, deleted, expired) are always deleted.
import { parseArgs } from "node:util";

import { reconcile } from "../lib/server/reconciler";

async function main() {
  const { values } = parseArgs({ options: { "dry-run": { type: "boolean" }, fix: { type: "boolean" } } });
  const report = await reconcile({ dryRun: values["dry-run"] ?? false, fix: values.fix ?? false });
  if (report.skipped) {
    console.log("Another instance is reconciling right now; nothing done.");
    return;
  }
  const verb = report.dryRun ? "would be" : "";
  console.log(`lost completions recovered ${verb}: ${report.recovered} (rejected on verification: ${report.rejected})`);
  console.log(`reservations expired ${verb}: ${report.expired}`);
  console.log(`stale multipart uploads aborted ${verb}: ${report.multipartAborted}`);
  console.log(`objects of dead uploads deleted ${verb}: ${report.deadObjectsDeleted}`);
  console.log(
    `orphaned objects: ${report.orphans.length}${report.orphansDeleted ? `, deleted ${report.orphansDeleted}` : report.orphans.length ? " (run with --fix to delete)" : ""}`,
  );
  for (const key of report.orphans.slice(0, 50)) console.log(`  ${key}`);
  console.log(`checksum/thumbnail jobs queued again ${verb}: ${report.jobsRequeued}`);
  if (report.errors > 0) console.log(`errors: ${report.errors} (each logged above and skipped)`);
  process.exit(report.errors > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(`reconcile: ${(error as Error).message}`);
  process.exit(1);
});
