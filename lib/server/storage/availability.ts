import "server-only";

import { AppError } from "@/lib/errors";

// Is object storage reachable? Reserve and sign used to ask storage (a HeadBucket) on every call:
// a storage round trip, and the SDK's CPU, on the API's busiest path. They now read what a probe
// last saw, synchronously. The probe HEADs the bucket in the background every interval; besides,
// every real storage call reports in: one that gets no answer marks storage down at once (so a
// completion that finds it gone stops the next sign call too), one that gets an answer marks it up.

export type StorageStatus = "ok" | "unavailable";

export interface StorageProbe {
  /** What the last probe or storage call saw: "ok" until something says otherwise. */
  status(): StorageStatus;
  /** For /api/health: a fresh look when none is younger than the interval, else the last one. */
  check(): Promise<StorageStatus>;
  /** A storage call got no answer (refused, reset, timed out) or a 5xx. */
  noteUnreachable(): void;
  /** A storage call got an answer, whatever it was. */
  noteAnswered(): void;
  /** Probes now and then every interval, on a timer that does not keep the process alive. */
  start(): void;
  stop(): void;
}

/**
 * The probe is shared through globalThis by module instances the bundler keeps apart (the one the
 * server starts in instrumentation, the ones route handlers import), so it hands out only plain
 * values: an AppError made in another instance would fail the route's `instanceof` (500, not 503).
 */
export const storageUnavailable = (cause?: unknown) =>
  new AppError("storage_unavailable", "Object storage is unavailable right now. Try again in a moment.", { cause, retryAfterSeconds: 5 });

export function createStorageProbe(args: { ping: () => Promise<unknown>; intervalMs: number; now?: () => number }): StorageProbe {
  const now = args.now ?? Date.now;
  let current: StorageStatus = "ok";
  /** When the last observation was made; null before the first. */
  let observedAt: number | null = null;
  let inFlight: Promise<StorageStatus> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;

  const observe = (status: StorageStatus) => {
    current = status;
    observedAt = now();
  };

  /** One probe at a time; callers that arrive meanwhile share it. */
  const probe = (): Promise<StorageStatus> => {
    inFlight ??= (async () => {
      const startedAt = now();
      let seen: StorageStatus;
      try {
        await args.ping();
        seen = "ok";
      } catch {
        seen = "unavailable";
      }
      // A storage call that reported while this HEAD was on its way saw something newer.
      if (observedAt === null || observedAt <= startedAt) observe(seen);
      inFlight = null;
      return current;
    })();
    return inFlight;
  };

  const isStale = () => observedAt === null || now() - observedAt >= args.intervalMs;

  const status = (): StorageStatus => {
    // Without the timer (a module instance that never started it), the first caller after the
    // interval starts the probe it would have made.
    if (timer === undefined && isStale()) void probe();
    return current;
  };

  return {
    status,
    async check() {
      return isStale() ? probe() : current;
    },
    noteUnreachable: () => observe("unavailable"),
    noteAnswered: () => observe("ok"),
    start() {
      if (timer !== undefined) return;
      void probe();
      timer = setInterval(() => void probe(), args.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
