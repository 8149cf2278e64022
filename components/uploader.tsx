"use client";

import Dashboard from "@uppy/dashboard";

import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";

import { useEffect, useRef, useState } from "react";

import { formatBytes } from "@/lib/format";

import { ConfirmDialog } from "./ui/confirm-dialog";
import { UploadProblems } from "./upload-problems";
import { activeUploads, useUploads, type Body, type Meta, type ValetUppy } from "./upload-provider";

const DASHBOARD_ID = "valet-dashboard";
const HEIGHT = 380;

/** What a click on one of the Dashboard's cancel buttons would cancel, if anything is under way. */
type Cancelling = { kind: "all"; count: number } | { kind: "file"; fileId: string; name: string };

function cancelTarget(uppy: ValetUppy, button: Element): Cancelling | null {
  const active = activeUploads(uppy);
  if (active.length === 0) return null;
  // The status bar's Cancel, and the top bar's Cancel (not the "Back" of the add-files panel or the file card).
  if (
    button.matches('[data-cy="cancel"]') ||
    (button.matches(".uppy-DashboardContent-back") && !button.closest(".uppy-Dashboard-AddFilesPanel, .uppy-Dashboard-FileCard"))
  ) {
    return { kind: "all", count: active.length };
  }
  // A file's own remove (×) or its cancel circle.
  if (!button.matches(".uppy-Dashboard-Item-action--remove, .uppy-Dashboard-Item-progressIndicator")) return null;
  const fileId = button.closest(".uppy-Dashboard-Item")?.id.replace(/^uppy_/, "");
  const file = active.find((f) => f.id === fileId);
  // The circle cancels only where it is not pause/resume or retry: it says which in its label.
  if (!file || (button.matches(".uppy-Dashboard-Item-progressIndicator") && button.getAttribute("aria-label") !== uppy.i18n("cancelUpload"))) return null;
  return { kind: "file", fileId: file.id, name: file.name ?? "this file" };
}

/**
 * The Uppy Dashboard for the uploads running in <UploadProvider>: mounted while this page is
 * shown, taken down when it is left. The uploads go on meanwhile, and the Dashboard shows them
 * again on return. Cancelling an upload under way asks first.
 */
export function Uploader() {
  const target = useRef<HTMLDivElement>(null);
  const uploads = useUploads();
  const [cancelling, setCancelling] = useState<Cancelling | null>(null);

  useEffect(() => {
    const element = target.current;
    if (!uploads || !element) return;
    const { uppy, settings } = uploads;
    uppy.use(Dashboard<Meta, Body>, {
      id: DASHBOARD_ID,
      inline: true,
      target: element,
      width: "100%",
      height: HEIGHT,
      theme: "auto",
      proudlyDisplayPoweredByUppy: false,
      note: `Up to ${formatBytes(settings.maxFileBytes)} per file. Documents, images, text, audio, video and archives.`,
    });
    const dashboard = uppy.getPlugin(DASHBOARD_ID);
    // Uppy's cancel buttons act at once; while bytes are on their way, ask first (seen before Uppy's own handler).
    const onClick = (event: MouseEvent) => {
      const button = event.target instanceof Element ? event.target.closest("button") : null;
      const what = button ? cancelTarget(uppy, button) : null;
      if (!what) return;
      event.preventDefault();
      event.stopPropagation();
      setCancelling(what);
    };
    element.addEventListener("click", onClick, true);
    return () => {
      element.removeEventListener("click", onClick, true);
      if (dashboard) uppy.removePlugin(dashboard);
    };
  }, [uploads]);

  const confirmCancel = () => {
    if (uploads && cancelling?.kind === "all") uploads.uppy.cancelAll();
    if (uploads && cancelling?.kind === "file") uploads.uppy.removeFile(cancelling.fileId);
    setCancelling(null);
  };

  return (
    <div className="space-y-3">
      {/* Until the engine runs (the first render), an empty box of the same size keeps the page still. */}
      <div ref={target} data-testid="uploader" className="overflow-hidden rounded-xl" style={{ minHeight: HEIGHT }} />
      <UploadProblems />
      <ConfirmDialog
        open={cancelling !== null}
        title={
          cancelling?.kind === "file"
            ? `Cancel uploading ${cancelling.name}?`
            : `Cancel ${cancelling?.count === 1 ? "the upload" : `${cancelling?.count} uploads`}?`
        }
        confirmLabel={cancelling?.kind === "all" && cancelling.count > 1 ? "Cancel uploads" : "Cancel upload"}
        cancelLabel="Keep uploading"
        onConfirm={confirmCancel}
        onCancel={() => setCancelling(null)}
      >
        What has been sent so far is discarded; to upload {cancelling?.kind === "all" && cancelling.count > 1 ? "them" : "it"} later you start again.
      </ConfirmDialog>
    </div>
  );
}
