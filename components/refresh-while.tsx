"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";

import { isAwaitingJobs } from "@/lib/jobs";

/** Between looks while a worker is still making a file's thumbnail or checksum. */
const REFRESH_EVERY_MS = 3000;
/** Looks at most, per page load: a job that takes longer shows on the next visit. */
const MAX_REFRESHES = 20;

type JobbedFile = Parameters<typeof isAwaitingJobs>[0];

/**
 * Re-renders the server page every few seconds while one of `files` is fresh and still waiting
 * for its checksum or thumbnail (lib/jobs.ts isAwaitingJobs), a bounded number of times.
 */
export function useRefreshWhileAwaitingJobs(files: readonly JobbedFile[]): void {
  const router = useRouter();
  const count = useRef(0);
  useEffect(() => {
    if (count.current >= MAX_REFRESHES || !files.some((f) => isAwaitingJobs(f, Date.now()))) return;
    const timer = setTimeout(() => {
      count.current += 1;
      router.refresh();
    }, REFRESH_EVERY_MS);
    return () => clearTimeout(timer);
  }, [files, router]);
}

/** For server pages: renders nothing, refreshes while the file's jobs are still coming. */
export function RefreshWhileAwaitingJobs({ file }: { file: JobbedFile }) {
  useRefreshWhileAwaitingJobs([file]);
  return null;
}
