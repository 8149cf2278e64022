"use client";

import AwsS3 from "@uppy/aws-s3";
import Uppy, { type UppyFile } from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import GoldenRetriever from "@uppy/golden-retriever";
import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { formatBytes } from "@/lib/format";
import { isAlreadyStored, PENDING_KEY_PREFIX, retryWhileUnavailable, UploadSigner, valetApi, type RetryPolicy } from "@/lib/upload-client";
import { planUpload } from "@/lib/upload-policy";

/** The reservation travels with the file, so Golden Retriever keeps it across a reload. */
type Meta = { valetUploadId?: string };
type Body = Record<string, never>;

/**
 * Uppy Dashboard wired to Valet: every storage request is signed by the app (one operation,
 * one key, short expiry), bytes go from the browser straight to storage, and each finished
 * upload is verified by the app before it counts as a file.
 */
export function Uploader({ userId, maxFileBytes, allowedTypes }: { userId: string; maxFileBytes: number; allowedTypes: string[] }) {
  const target = useRef<HTMLDivElement>(null);
  const router = useRouter();
  // Compared by value: router.refresh() re-renders the page with a new (equal) array, and
  // re-creating Uppy then would cancel every upload in flight.
  const allowedTypesKey = allowedTypes.join(",");

  useEffect(() => {
    if (!target.current) return;
    const uppy = new Uppy<Meta, Body>({
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
        },
        pluralize: (n: number) => (n === 1 ? 0 : 1),
      },
    });
    // While Valet is unreachable (restarting, say), wait and say so; parts already signed go on.
    const retry: RetryPolicy = {
      maxWaitMs: 120_000,
      onWait: () => uppy.info("Valet is unreachable; still trying. Uploads continue where they can.", "warning", 5000),
    };
    const signer = new UploadSigner(
      {
        file: (fileId) => {
          const file = uppy.getFile(fileId);
          if (!file) return undefined;
          return { name: file.name ?? "file", size: file.size ?? 0, type: file.type || "application/octet-stream", data: file.data instanceof Blob ? file.data : undefined, reservationId: file.meta.valetUploadId };
        },
        fileIdForKey: (key) => uppy.getFiles().find((f) => f.s3Multipart?.key === key)?.id,
        remember: (fileId, reservationId) => uppy.setFileMeta(fileId, { valetUploadId: reservationId }),
      },
      valetApi,
      { retry },
    );
    const completions = new Map<string, Promise<void>>();

    uppy
      .use(Dashboard<Meta, Body>, {
        inline: true,
        target: target.current,
        width: "100%",
        height: 380,
        proudlyDisplayPoweredByUppy: false,
        note: `Up to ${formatBytes(maxFileBytes)} per file. Documents, images, audio, video and archives.`,
      })
      .use(AwsS3<Meta, Body>, {
        // Same geometry as the server signs: part boundaries must match the signed lengths.
        shouldUseMultipart: (file) => planUpload(file.size ?? 0).strategy === "multipart",
        getChunkSize: ({ size }) => planUpload(size).partSize,
        generateObjectKey: (file) => `${PENDING_KEY_PREFIX}${file.id}`,
        signRequest: signer.signRequest,
        limit: 4,
        // The reservation id is for Valet, not for storage.
        allowedMetaFields: [],
      })
      // After a reload, files come back (small ones with their bytes; larger ones are re-selected)
      // and multipart uploads resume from the parts storage already has.
      .use(GoldenRetriever<Meta, Body>, { expires: 24 * 3600 * 1000 });

    // Start verifying each file as soon as its bytes are in storage, not when the batch ends.
    uppy.on("upload-success", (file) => {
      const upload = file && signer.reservationFor(file.id);
      if (!file || !upload) return;
      completions.set(
        file.id,
        retryWhileUnavailable(() => valetApi.completeUpload(upload.id), retry).then(
          () => {
            signer.forget(file.id);
            router.refresh();
          },
          (error: unknown) => {
            signer.forget(file.id);
            throw error;
          },
        ),
      );
    });
    // A single PUT can create its object once (If-None-Match): a 412 on a retry means the first
    // attempt landed and only its answer was lost. The bytes are there; let completion verify them.
    uppy.on("upload-error", (file, error) => {
      if (!file || !isAlreadyStored(error) || !signer.reservationFor(file.id)) return;
      uppy.hideInfo();
      uppy.setFileState(file.id, { error: null });
      if (!uppy.getFiles().some((f) => f.error)) uppy.setState({ error: null });
      uppy.emit("upload-success", uppy.getFile(file.id), { status: 200, body: {}, uploadURL: undefined });
    });
    uppy.addPostProcessor(async (fileIDs) => {
      await Promise.all(
        fileIDs.map(async (id) => {
          const completion = completions.get(id);
          if (!completion) return;
          const file = uppy.getFile(id);
          uppy.emit("postprocess-progress", file, { mode: "indeterminate", message: "Verifying in storage…" });
          try {
            await completion;
          } catch (error) {
            uppy.emit("upload-error", file, { name: "VerificationError", message: error instanceof Error ? error.message : "Verification failed." });
          } finally {
            completions.delete(id);
            uppy.emit("postprocess-complete", uppy.getFile(id));
          }
        }),
      );
    });
    // Cancelling a file also cancels its reservation (and the multipart upload in storage).
    uppy.on("file-removed", (file: UppyFile<Meta, Body>) => {
      const reservationId = signer.reservationFor(file.id)?.id ?? file.meta.valetUploadId;
      signer.forget(file.id);
      if (reservationId) valetApi.abortUpload(reservationId).catch(() => undefined);
    });

    return () => uppy.destroy();
  }, [userId, maxFileBytes, allowedTypesKey, router]);

  return <div ref={target} data-testid="uploader" className="overflow-hidden rounded-xl" />;
}
