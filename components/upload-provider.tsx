"use client";

import AwsS3 from "@uppy/aws-s3";
import Uppy, { type UppyFile } from "@uppy/core";
import GoldenRetriever from "@uppy/golden-retriever";
import { useRouter } from "next/navigation";
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";

import { createWorkerHasher } from "@/lib/md5-hasher";
import { isAlreadyStored, PENDING_KEY_PREFIX, retryWhileUnavailable, UploadSigner, valetApi, type RetryPolicy } from "@/lib/upload-client";
import { describeUploadError } from "@/lib/upload-errors";
import { planUpload } from "@/lib/upload-policy";
import AzureBlob from "@/lib/uppy-azure-blob";

/** The reservation travels with the file, so Golden Retriever keeps it across a reload. */
export type Meta = { valetUploadId?: string };
export type Body = Record<string, never>;
export type ValetUppy = Uppy<Meta, Body>;

interface UploadSettings {
  maxFileBytes: number;
  allowedTypes: string[];
  partConcurrency: number;
}

/** Which storage the bytes go to: S3 (@uppy/aws-s3) or Azure Blob Storage (lib/uppy-azure-blob.ts). */
type StorageKind = "s3" | "azure";

/** One file's problem, shown until its owner dismisses it (or retries the file). */
export interface UploadProblem {
  id: string;
  fileId?: string;
  fileName: string;
  /** "Not accepted", "Quarantined", "Rejected", "Upload failed". */
  title: string;
  message: string;
  /** Valet's verdict on bytes already in storage: the file has left the uploader, the reason stays. */
  isVerdict: boolean;
}

/**
 * The problems of this session's uploads, kept above every page so they outlive the Dashboard, and
 * in the tab's sessionStorage (per user) so they outlive a reload.
 */
class UploadProblems {
  private list: readonly UploadProblem[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;
  private storageKey: string | null = null;

  /** Takes back what this tab kept for this user before a reload. */
  restore(userId: string): void {
    this.storageKey = `valet-upload-problems-${userId}`;
    try {
      const kept = JSON.parse(sessionStorage.getItem(this.storageKey) ?? "[]") as UploadProblem[];
      if (Array.isArray(kept) && kept.length > 0) {
        this.nextId = Math.max(0, ...kept.map((p) => Number(p.id) || 0)) + 1;
        this.set(kept);
      }
    } catch {
      // Storage unavailable or unreadable: start empty.
    }
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  readonly current = () => this.list;

  /** A file's new problem replaces its old one. */
  add(problem: Omit<UploadProblem, "id">): void {
    const others = problem.fileId ? this.list.filter((p) => p.fileId !== problem.fileId) : this.list;
    this.set([...others, { ...problem, id: String(this.nextId++) }]);
  }
  dismiss(id: string): void {
    this.set(this.list.filter((p) => p.id !== id));
  }
  dismissAll(): void {
    this.set([]);
  }
  /** The file was retried or removed: its problem (unless it is a verdict) is no longer current. */
  clearFile(fileId: string): void {
    if (this.list.some((p) => p.fileId === fileId && !p.isVerdict)) this.set(this.list.filter((p) => p.fileId !== fileId || p.isVerdict));
  }
  private set(list: readonly UploadProblem[]): void {
    this.list = list;
    try {
      if (this.storageKey) sessionStorage.setItem(this.storageKey, JSON.stringify(list));
    } catch {
      // Full or unavailable: they stay for this page's life.
    }
    for (const listener of this.listeners) listener();
  }
}

const VERDICT_TITLES: Partial<Record<string, string>> = { upload_quarantined: "Quarantined", upload_rejected: "Rejected" };

const UploadContext = createContext<{ uppy: ValetUppy; settings: UploadSettings; problems: UploadProblems } | null>(null);

/** The upload engine, once it runs (it starts after the first render, in the browser only). */
export function useUploads() {
  return useContext(UploadContext);
}

/** This session's upload problems, newest last, and a way to dismiss them. */
export function useUploadProblems(): { problems: readonly UploadProblem[]; dismiss: (id: string) => void; dismissAll: () => void } {
  const store = useUploads()?.problems;
  const problems = useSyncExternalStore(
    (onChange) => store?.subscribe(onChange) ?? (() => undefined),
    () => store?.current() ?? NO_PROBLEMS,
    () => NO_PROBLEMS,
  );
  return { problems, dismiss: (id) => store?.dismiss(id), dismissAll: () => store?.dismissAll() };
}
const NO_PROBLEMS: readonly UploadProblem[] = [];

/** Files whose bytes are on their way, or being verified by Valet: what leaving the page would stop. */
export function activeUploads(uppy: ValetUppy): UppyFile<Meta, Body>[] {
  return uppy.getFiles().filter((f) => f.progress.uploadStarted && !f.error && !f.isPaused && (!f.progress.uploadComplete || f.progress.postprocess));
}

/** The active uploads' count and overall percentage, re-read whenever Uppy's state changes. */
export function useUploadActivity(): { count: number; percentage: number } {
  const uppy = useUploads()?.uppy;
  const snapshot = useSyncExternalStore(
    (onChange) => {
      uppy?.on("state-update", onChange);
      return () => uppy?.off("state-update", onChange);
    },
    () => {
      const active = uppy ? activeUploads(uppy) : [];
      return `${active.length}:${active.length === 0 ? 0 : uppy!.getState().totalProgress}`;
    },
    () => "0:0",
  );
  const [count, percentage] = snapshot.split(":").map(Number);
  return { count: count!, percentage: percentage! };
}

/**
 * The upload engine for a signed-in user, above every page: Uppy core with the S3 uploader, every
 * storage request signed by Valet (one operation, one key, short expiry), bytes straight from the
 * browser to storage, parts several at a time and hashed in a Web Worker. A file counts as
 * uploaded only once Valet has verified it in storage (READY). The Dashboard that shows it is
 * mounted by the page (components/uploader.tsx); the uploads outlive that page.
 */
export function UploadProvider({
  userId,
  maxFileBytes,
  allowedTypes,
  partConcurrency,
  storage,
  children,
}: UploadSettings & { userId: string; storage: StorageKind; children: ReactNode }) {
  const router = useRouter();
  // Compared by value: a refresh re-renders the layout with a new (equal) array, and re-creating
  // Uppy then would cancel every upload in flight.
  const allowedTypesKey = allowedTypes.join(",");
  const [uppy, setUppy] = useState<ValetUppy | null>(null);
  const [problems] = useState(() => new UploadProblems());

  useEffect(() => {
    problems.restore(userId);
    const uppy: ValetUppy = new Uppy<Meta, Body>({
      // Golden Retriever keeps its state per Uppy id: per user, so that someone else signing in
      // on this browser is never offered (or able to resume) another person's uploads.
      id: `valet-${userId}`,
      autoProceed: false,
      // An empty file has nothing to store (the API refuses size 0): say so at once.
      restrictions: { minFileSize: 1, maxFileSize: maxFileBytes, allowedFileTypes: allowedTypesKey.split(",") },
      locale: {
        strings: {
          youCanOnlyUploadFileTypes: "That type of file isn't accepted. You can upload documents, images, text, audio, video and archives.",
          inferiorSize: "That file is empty: there is nothing in it to upload.",
          exceedsSize: "That file is larger than the %{size} a file may be.",
        },
        pluralize: (n: number) => (n === 1 ? 0 : 1),
      },
    });
    // While Valet is unreachable (restarting, say), wait and say so; parts already signed go on.
    const retry: RetryPolicy = {
      maxWaitMs: 120_000,
      onWait: () => uppy.info("Valet is unreachable; still trying. Uploads continue where they can.", "warning", 5000),
    };
    const hasher = createWorkerHasher();
    const signer = new UploadSigner(
      {
        file: (fileId) => {
          const file = uppy.getFile(fileId);
          if (!file) return undefined;
          return {
            name: file.name ?? "file",
            size: file.size ?? 0,
            type: file.type || "application/octet-stream",
            data: file.data instanceof Blob ? file.data : undefined,
            reservationId: file.meta.valetUploadId,
          };
        },
        fileIdForKey: (key) => uppy.getFiles().find((f) => f.s3Multipart?.key === key)?.id,
        remember: (fileId, reservationId) => uppy.setFileMeta(fileId, { valetUploadId: reservationId }),
      },
      valetApi,
      { retry, hash: hasher, partConcurrency },
    );
    // Each file's problem goes to the list that stays until dismissed (components/upload-problems.tsx),
    // so Uppy's own toast for it (gone after 5 s, and without the file's name) is dropped.
    const dropErrorToasts = () => queueMicrotask(() => uppy.setState({ info: uppy.getState().info.filter((info) => info.type !== "error") }));
    uppy.on("restriction-failed", (file, error) => {
      problems.add({ fileName: file?.name ?? "A file", title: "Not accepted", message: error.message, isVerdict: false });
      dropErrorToasts();
    });
    const reservationOf = (fileId: string) => signer.reservationFor(fileId)?.id ?? uppy.getFile(fileId)?.meta.valetUploadId;

    // Valet's verification, once per file until it succeeds: started as soon as the bytes are in
    // storage, awaited by the post-processor, and run again by Retry after a failure.
    const completions = new Map<string, Promise<void>>();
    const verified = new Set<string>();
    /** Files with Valet's final verdict: nothing to cancel when they leave. */
    const settled = new Set<string>();
    const complete = (fileId: string): Promise<void> | undefined => {
      const existing = completions.get(fileId);
      if (existing) return existing;
      const reservationId = reservationOf(fileId);
      if (!reservationId || verified.has(fileId)) return undefined;
      const completion = retryWhileUnavailable(() => valetApi.completeUpload(reservationId), retry).then(() => {
        verified.add(fileId);
        signer.forget(fileId);
      });
      completions.set(fileId, completion);
      // The next attempt (Retry) asks Valet again; a settled verdict (rejected) comes back the same.
      completion.catch(() => undefined).finally(() => completions.delete(fileId));
      return completion;
    };

    if (storage === "azure") {
      // Azure: Put Blob, or Put Blocks that Valet commits at completion (no request of the browser's completes anything).
      uppy.use(AzureBlob<Meta, Body>, {
        signRequest: signer.signRequest,
        reservation: (fileId) => signer.reservation(`${PENDING_KEY_PREFIX}${fileId}`),
        stagedBlocks: (reservation) => valetApi.stagedBlocks(reservation.id),
        limit: partConcurrency,
      });
    } else {
      uppy.use(AwsS3<Meta, Body>, {
        // Same geometry as the server signs: part boundaries must match the signed lengths.
        shouldUseMultipart: (file) => planUpload(file.size ?? 0).strategy === "multipart",
        getChunkSize: ({ size }) => planUpload(size).partSize,
        generateObjectKey: (file) => `${PENDING_KEY_PREFIX}${file.id}`,
        signRequest: signer.signRequest,
        // Storage requests in flight at once, parts of one file or of several (patched: see patches/README.md).
        limit: partConcurrency,
        // The reservation id is for Valet, not for storage.
        allowedMetaFields: [],
      });
    }
    // After a reload, files come back (small ones with their bytes; larger ones are re-selected)
    // and multipart uploads resume from the parts storage already has (Azure: the blocks it holds).
    uppy.use(GoldenRetriever<Meta, Body>, { expires: 24 * 3600 * 1000 });

    uppy.on("upload-success", (file) => {
      if (file) void complete(file.id)?.catch(() => undefined);
    });
    // A single PUT can create its object once (If-None-Match): a 412 on a retry means the first
    // attempt landed and only its answer was lost. The bytes are there; let completion verify them.
    uppy.on("upload-error", (file, error) => {
      if (!file) return;
      if (!isAlreadyStored(error) || !reservationOf(file.id)) {
        // Said in words its owner can act on (no raw storage codes), on the file and in the list.
        const { message } = describeUploadError(error);
        uppy.setFileState(file.id, { error: message });
        const title = VERDICT_TITLES[(error as { code?: string }).code ?? ""];
        problems.add({ fileId: file.id, fileName: file.name ?? "A file", title: title ?? "Upload failed", message, isVerdict: title !== undefined });
        dropErrorToasts();
        return;
      }
      uppy.hideInfo();
      uppy.setFileState(file.id, { error: null });
      if (!uppy.getFiles().some((f) => f.error)) uppy.setState({ error: null });
      uppy.emit("upload-success", uppy.getFile(file.id), { status: 200, body: {}, uploadURL: undefined });
    });
    // A file is complete when Valet says READY, not when storage took the bytes. This runs after
    // the uploader for every file of a batch, and again on Retry (the uploader then skips a file
    // whose bytes are all in storage, so verification is what Retry repeats).
    uppy.addPostProcessor(async (fileIDs) => {
      await Promise.all(
        fileIDs.map(async (id) => {
          const file = uppy.getFile(id);
          if (!file?.progress.uploadComplete || verified.has(id)) return;
          const completion = complete(id);
          if (!completion) return;
          uppy.emit("postprocess-progress", file, { mode: "indeterminate", message: "Verifying in storage…" });
          try {
            await completion;
            uppy.emit("postprocess-complete", uppy.getFile(id));
          } catch (error) {
            // Not complete: no tick, the reason on the file, and Retry asks Valet again.
            const { postprocess: _verifying, complete: _complete, ...progress } = uppy.getFile(id).progress;
            uppy.setFileState(id, { progress });
            uppy.emit("upload-error", uppy.getFile(id), error instanceof Error ? error : new Error("Verification failed."));
            if (!describeUploadError(error).canRetry) {
              // A verdict (rejected, quarantined): asking again gives the same answer, so the file
              // leaves the uploader (whose header would call it complete) and its reason stays listed.
              settled.add(id);
              uppy.removeFile(id);
              if (!uppy.getFiles().some((f) => f.error)) uppy.setState({ error: null });
            }
          } finally {
            // The list below shows what Valet holds, whatever the verdict.
            router.refresh();
          }
        }),
      );
    });
    // Cancelling a file also cancels its reservation (and the multipart upload in storage).
    uppy.on("file-removed", (file: UppyFile<Meta, Body>) => {
      const reservationId = verified.has(file.id) || settled.has(file.id) ? undefined : reservationOf(file.id);
      signer.forget(file.id);
      verified.delete(file.id);
      settled.delete(file.id);
      problems.clearFile(file.id);
      if (reservationId) valetApi.abortUpload(reservationId).catch(() => undefined);
    });

    // Trying a file again makes its last problem history.
    uppy.on("upload-retry", (file) => problems.clearFile(typeof file === "string" ? file : file.id));
    uppy.on("retry-all", (files) => files.forEach((file) => problems.clearFile(file.id)));

    // Closing the tab or reloading stops what is in flight (a reload resumes multipart uploads,
    // but not a single PUT or a verification): ask first.
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (activeUploads(uppy).length === 0) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", beforeUnload);
    // The engine (worker, listeners, storage) is made here, outside React, and handed over once.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setUppy(uppy);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      setUppy(null);
      uppy.destroy();
      hasher.terminate();
    };
  }, [userId, maxFileBytes, allowedTypesKey, partConcurrency, storage, router, problems]);

  const value = useMemo(
    () => (uppy ? { uppy, settings: { maxFileBytes, allowedTypes: allowedTypesKey.split(","), partConcurrency }, problems } : null),
    [uppy, maxFileBytes, allowedTypesKey, partConcurrency, problems],
  );
  return <UploadContext.Provider value={value}>{children}</UploadContext.Provider>;
}
