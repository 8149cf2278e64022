// Pure helpers for what the background jobs (checksums, thumbnails) mean to a page: whether a
// file's are probably still coming, durations and worker liveness in words. Browser-safe.
import { THUMBNAIL_SOURCE_TYPES } from "./media-types";

/** How long after an upload completes a page keeps looking for its checksum and thumbnail. */
export const AWAIT_JOBS_FOR_MS = 2 * 60 * 1000;

/**
 * Whether a freshly completed file is probably still waiting for a worker: no checksum yet, or a
 * picture with no thumbnail yet. Only for AWAIT_JOBS_FOR_MS: after that a missing one is a failed
 * or refused job (too many pixels) that the admin's Jobs page shows, not something to wait for.
 */
export function isAwaitingJobs(file: { type: string; thumbnail: boolean; sha256: string | null; completedAt: string | null }, now: number): boolean {
  if (file.completedAt === null || now - Date.parse(file.completedAt) > AWAIT_JOBS_FOR_MS) return false;
  return file.sha256 === null || (THUMBNAIL_SOURCE_TYPES.has(file.type) && !file.thumbnail);
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min": a duration in the unit people read at a glance. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600) {
    const s = totalSeconds % 60;
    return `${Math.floor(totalSeconds / 60)} min${s ? ` ${s} s` : ""}`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const m = totalMinutes % 60;
  return `${Math.floor(totalMinutes / 60)} h${m ? ` ${m} min` : ""}`;
}

/**
 * A worker process is "silent" once it has missed two heartbeats (each WORKER_STALE_AFTER_SECONDS / 6,
 * runner.ts): before another process declares it dead and takes back its jobs at the full interval.
 */
export function isWorkerSilent(lastSeenAt: Date, now: Date, staleAfterSeconds: number): boolean {
  const heartbeatMs = Math.max(1000, (staleAfterSeconds * 1000) / 6);
  return now.getTime() - lastSeenAt.getTime() > 2 * heartbeatMs;
}
