"use client";

import Dashboard from "@uppy/dashboard";

import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";

import { useEffect, useRef } from "react";

import { formatBytes } from "@/lib/format";

import { useUploads, type Body, type Meta } from "./upload-provider";

const DASHBOARD_ID = "valet-dashboard";
const HEIGHT = 380;

/**
 * The Uppy Dashboard for the uploads running in <UploadProvider>: mounted while this page is
 * shown, taken down when it is left. The uploads go on meanwhile, and the Dashboard shows them
 * again on return.
 */
export function Uploader() {
  const target = useRef<HTMLDivElement>(null);
  const uploads = useUploads();

  useEffect(() => {
    if (!uploads || !target.current) return;
    const { uppy, settings } = uploads;
    uppy.use(Dashboard<Meta, Body>, {
      id: DASHBOARD_ID,
      inline: true,
      target: target.current,
      width: "100%",
      height: HEIGHT,
      proudlyDisplayPoweredByUppy: false,
      note: `Up to ${formatBytes(settings.maxFileBytes)} per file. Documents, images, audio, video and archives.`,
    });
    const dashboard = uppy.getPlugin(DASHBOARD_ID);
    return () => {
      if (dashboard) uppy.removePlugin(dashboard);
    };
  }, [uploads]);

  // Until the engine runs (the first render), an empty box of the same size keeps the page still.
  return <div ref={target} data-testid="uploader" className="overflow-hidden rounded-xl" style={{ minHeight: HEIGHT }} />;
}
