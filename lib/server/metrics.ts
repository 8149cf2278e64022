import "server-only";

import { createHash, timingSafeEqual } from "node:crypto";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import type { UploadStatus } from "@/generated/prisma/enums";
import { AppError } from "@/lib/errors";
import type { SignOperation } from "@/lib/sign-request";

import { databaseStatus } from "./health";
import { storageProbe } from "./storage";

// Prometheus metrics of this instance (GET /api/metrics). Everything is counted in memory, per
// process: each instance has its own registry and Prometheus sums across them. Counting costs the
// request paths no I/O; only the two health gauges look at anything, when scraped.

/** What a valet key was issued for: the upload operations the signer signs, and the GETs. */
export type KeyOperation =
  | "put_object"
  | "create_multipart"
  | "upload_part"
  | "list_parts"
  | "complete_multipart"
  | "abort_multipart"
  | "put_block"
  | "download"
  | "preview"
  | "share_download"
  | "share_preview";

const KEY_OPERATION: Record<SignOperation["op"], KeyOperation> = {
  putObject: "put_object",
  createMultipartUpload: "create_multipart",
  uploadPart: "upload_part",
  listParts: "list_parts",
  completeMultipartUpload: "complete_multipart",
  abortMultipartUpload: "abort_multipart",
  putBlock: "put_block",
};

/** Where an upload ended. */
export type UploadOutcome = Extract<UploadStatus, "READY" | "REJECTED" | "QUARANTINED" | "ABORTED" | "EXPIRED">;
const UPLOAD_OUTCOMES: UploadOutcome[] = ["READY", "REJECTED", "QUARANTINED", "ABORTED", "EXPIRED"];

const RECONCILER_KINDS = [
  "recovered",
  "rejected",
  "expired",
  "multipart_aborted",
  "dead_objects_deleted",
  "orphans_found",
  "orphans_deleted",
  "jobs_requeued",
  "errors",
] as const;
export type ReconcilerKind = (typeof RECONCILER_KINDS)[number];

/** Seconds. The sign call is the API's busiest; most answers take a few milliseconds. */
const SIGN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds. Verification is a HEAD, a digest read, a 4 KiB ranged GET and a transaction. */
const VERIFY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function createMetrics() {
  const registry = new Registry();
  // Node's own (CPU, memory, event loop lag, GC, handles) under their usual names, so stock
  // Node.js dashboards work.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics = {
    registry,
    keysIssued: new Counter({
      name: "valet_keys_issued_total",
      help: "Presigned URLs handed out, by operation (a batch of part URLs counts each URL).",
      labelNames: ["operation"] as const,
      registers,
    }),
    signDuration: new Histogram({
      name: "valet_sign_duration_seconds",
      help: "Time the sign call's service took (checks, signing, pinning, audit), by result: ok, refused (an API error), error.",
      labelNames: ["result"] as const,
      buckets: SIGN_BUCKETS,
      registers,
    }),
    uploads: new Counter({
      name: "valet_uploads_total",
      help: "Uploads that reached a final state on this instance, by outcome.",
      labelNames: ["outcome"] as const,
      registers,
    }),
    verificationDuration: new Histogram({
      name: "valet_upload_verification_duration_seconds",
      help: "Time a completion call spent verifying the object in storage and settling the upload, by outcome.",
      labelNames: ["outcome"] as const,
      buckets: VERIFY_BUCKETS,
      registers,
    }),
    shareDownloads: new Counter({
      name: "valet_share_downloads_total",
      help: "Share-link download requests, by result: ok, or the error code that refused them.",
      labelNames: ["result"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "valet_rate_limited_total",
      help: "Requests refused with 429, by limit and by what it counts per (user, account, ip, link).",
      labelNames: ["limit", "per"] as const,
      registers,
    }),
    reconcilerItems: new Counter({
      name: "valet_reconciler_items_total",
      help: "What reconciler runs on this instance did, by kind (a dry run counts nothing).",
      labelNames: ["kind"] as const,
      registers,
    }),
    reconcilerRuns: new Counter({
      name: "valet_reconciler_runs_total",
      help: "Reconciler runs on this instance, by result: ok, skipped (another instance held the lock), failed.",
      labelNames: ["result"] as const,
      registers,
    }),
    reconcilerLastRun: new Gauge({
      name: "valet_reconciler_last_run_timestamp_seconds",
      help: "When a reconciler run last finished on this instance (Unix time; 0: not since it started).",
      registers,
    }),
    databaseUp: new Gauge({
      name: "valet_database_up",
      help: "1 when the database answered a SELECT 1 at this scrape, else 0.",
      registers,
      async collect() {
        this.set((await databaseStatus()) === "ok" ? 1 : 0);
      },
    }),
    storageUp: new Gauge({
      name: "valet_storage_up",
      help: "1 when the instance's storage probe (or its last storage call) found storage reachable, else 0.",
      registers,
      collect() {
        this.set(storageProbe().status() === "ok" ? 1 : 0);
      },
    }),
    jobs: new Counter({
      name: "valet_jobs_total",
      help: "Background job attempts finished in this process, by task and result (ok, retry, dead).",
      labelNames: ["task", "result"] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: "valet_job_duration_seconds",
      help: "Time a background job attempt ran, by task.",
      labelNames: ["task"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    httpRequests: new Counter({
      name: "valet_http_requests_total",
      help: "API requests answered, by route pattern, method and status.",
      labelNames: ["route", "method", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "valet_http_request_duration_seconds",
      help: "Time to answer API requests, by route pattern and method.",
      labelNames: ["route", "method"] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
  };
  // Series that exist from the start (at 0), so rates and alerts see them before the first event.
  for (const operation of [...Object.values(KEY_OPERATION), "download", "preview", "share_download", "share_preview"]) metrics.keysIssued.inc({ operation }, 0);
  for (const outcome of UPLOAD_OUTCOMES) metrics.uploads.inc({ outcome }, 0);
  for (const kind of RECONCILER_KINDS) metrics.reconcilerItems.inc({ kind }, 0);
  metrics.shareDownloads.inc({ result: "ok" }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

// One registry per process, on globalThis: the reconciler runs in the server's module instance,
// /api/metrics in a route's, and `next dev` re-evaluates modules on every edit.
const globalForMetrics = globalThis as unknown as { valetMetrics?: Metrics };

export function metrics(): Metrics {
  globalForMetrics.valetMetrics ??= createMetrics();
  return globalForMetrics.valetMetrics;
}

/** Counts the upload URLs of one sign call, one increment per operation kind. */
export function countUploadKeys(operations: ReadonlyArray<{ op: SignOperation["op"] }>): void {
  const counts = new Map<KeyOperation, number>();
  for (const { op } of operations) counts.set(KEY_OPERATION[op], (counts.get(KEY_OPERATION[op]) ?? 0) + 1);
  for (const [operation, n] of counts) metrics().keysIssued.inc({ operation }, n);
}

/** ok, refused (an API error: 4xx, or 503 while storage is down) or error (anything else). */
export function resultOf(error: unknown): "refused" | "error" {
  return error instanceof AppError ? "refused" : "error";
}

export type MetricsAccess = "disabled" | "denied" | "allowed";

/**
 * Who may read /api/metrics: nobody while METRICS_TOKEN is unset (the endpoint then does not
 * exist: 404), else whoever sends it as `Authorization: Bearer <token>`. Compared as SHA-256
 * digests in constant time: equal lengths for timingSafeEqual, and nothing learnt about the
 * token's length either.
 */
export function metricsAccess(configuredToken: string | undefined, authorization: string | null): MetricsAccess {
  if (!configuredToken) return "disabled";
  const presented = /^Bearer +(\S+) *$/i.exec(authorization ?? "")?.[1];
  if (presented === undefined) return "denied";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(configuredToken)) ? "allowed" : "denied";
}

/** The registry in Prometheus's text exposition format. */
export async function metricsResponse(): Promise<Response> {
  const { registry } = metrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
}
