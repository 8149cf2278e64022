// The JSON shapes the API answers with, declared once: the server builds them, and the browser,
// the CLI, the benchmarks and the tests read them through lib/upload-client.ts.
import type { Scope } from "./scopes";
import type { ShareStatus } from "./share-policy";

/**
 * How the bytes go up: one PUT; S3 multipart (the client creates, sends parts to and completes
 * the multipart upload); or Azure blocks (the client PUTs each part as a block with a partNumber
 * and no uploadId, and Valet commits the block list at completion).
 */
export type UploadStrategyDto = "single" | "multipart" | "blocks";

export type UploadStatus = "PENDING" | "READY" | "REJECTED" | "ABORTED" | "DELETED" | "EXPIRED" | "QUARANTINED";

/** An upload reservation (POST /api/uploads, GET /api/uploads/:id): the geometry every part is signed with. */
export interface UploadDto {
  id: string;
  /** The object key Valet chose; every URL for this upload names it. */
  key: string;
  name: string;
  size: number;
  type: string;
  status: UploadStatus;
  strategy: UploadStrategyDto;
  /** Bytes in every part but the last (the whole size for a single upload). */
  partSize: number;
  maxParts: number;
  /** No URL is signed for this upload after this. */
  expiresAt: string;
  createdAt: string;
}

/** One presigned storage request (POST /api/uploads/:id/sign answers one, or `{ results, expiresAt }` for a batch). */
export interface SignedRequestDto {
  url: string;
  key: string;
  /** Headers the URL was signed with, which the request must carry exactly. */
  headers?: Record<string, string>;
  expiresAt: string;
}

export interface FileDto {
  id: string;
  name: string;
  size: number;
  type: string;
  createdAt: string;
  completedAt: string | null;
  /** A generated thumbnail exists (GET /api/files/:id/thumbnail serves it); false until a worker made one, and for non-images. */
  thumbnail: boolean;
  /** Hex SHA-256 of the stored bytes, computed by a worker after the upload; null until then. */
  sha256: string | null;
}

/** A row of My files (GET /api/files). */
export interface FileListItemDto extends FileDto {
  /** Share links to it that still work: not revoked, not expired, not used up. */
  liveShareLinks: number;
}

/** POST /api/files/delete: what was deleted, and the ids that name none of the caller's files. */
export interface DeleteFilesResultDto {
  deleted: string[];
  notFound: string[];
}

export interface ShareDto {
  id: string;
  createdAt: string;
  expiresAt: string;
  maxDownloads: number | null;
  downloadCount: number;
  hasPassword: boolean;
  status: ShareStatus;
}

export interface ApiTokenDto {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  scopes: Scope[];
}

/** GET /api/admin/jobs: the background job queue at a glance. */
export interface AdminJobsDto {
  /** Jobs in the queue per task, now. */
  queues: Array<{
    task: string;
    /** Due now, waiting for a free worker. */
    waiting: number;
    /** Scheduled for later: a retry after its backoff. */
    later: number;
    running: number;
    dead: number;
  }>;
  /** Jobs that used every attempt (newest first, at most 100): they stay until retried or deleted. */
  deadJobs: DeadJobDto[];
  /** The last hour's finished attempts per task (JobRun); latency is queued → finished, run time started → finished. */
  lastHour: Array<{
    task: string;
    runs: number;
    failures: number;
    latencyP50Ms: number;
    latencyP95Ms: number;
    runTimeP50Ms: number;
    runTimeP95Ms: number;
  }>;
  workers: Array<{
    id: string;
    host: string;
    pid: number;
    concurrency: number;
    startedAt: string;
    lastSeenAt: string;
    /** Missed two heartbeats: probably gone; its jobs are taken back once WORKER_STALE_AFTER_SECONDS pass. */
    isSilent: boolean;
  }>;
  generatedAt: string;
}

export interface DeadJobDto {
  /** graphile-worker's job id (a bigint, as a string). */
  id: string;
  task: string;
  /** The file it was for (checksum, thumbnail jobs), when there is one. */
  file: { id: string; name: string; status: UploadStatus } | null;
  /** The webhook delivery it was for (webhook jobs): its event. */
  webhookEvent: string | null;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: string;
  /** When it last failed. */
  failedAt: string;
}
