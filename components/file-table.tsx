"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { formatBytes, formatDate } from "@/lib/format";
import { ApiError, valetApi, type FileSummary } from "@/lib/upload-client";

export function FileTable({ files }: { files: FileSummary[] }) {
  const router = useRouter();
  const [confirmingId, setConfirmingId] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function remove(file: FileSummary) {
    setBusyId(file.id);
    setError(null);
    try {
      await valetApi.deleteFile(file.id);
      setConfirmingId(null);
      router.refresh();
    } catch (e) {
      setError(`Could not delete “${file.name}”: ${e instanceof ApiError ? e.message : "unexpected error"}`);
    } finally {
      setBusyId(null);
    }
  }

  if (files.length === 0) {
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="files-empty">
        <p className="font-medium text-slate-800">No files yet</p>
        <p className="mt-1 text-sm text-slate-600">Drop a file in the box above, or click “browse files”. Finished uploads appear here.</p>
      </div>
    );
  }

  return (
    <div className="space-y-3">
      {error ? <Alert>{error}</Alert> : null}
      <ul className="divide-y divide-slate-200 overflow-hidden rounded-xl border border-slate-200 bg-white" aria-label="Your files">
        {files.map((file) => (
          <li key={file.id} className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="file-row">
            <div className="min-w-0">
              <p className="truncate font-medium text-slate-900" title={file.name}>
                <Link href={`/files/${file.id}`} className="hover:text-indigo-600 hover:underline">
                  {file.name}
                </Link>
              </p>
              <p className="text-sm text-slate-600">
                <span>{formatBytes(file.size)}</span>
                <span aria-hidden="true"> · </span>
                <span>{file.type}</span>
                <span aria-hidden="true"> · </span>
                <time dateTime={file.createdAt}>{formatDate(file.createdAt)}</time>
                <span className="ml-2 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 ring-1 ring-emerald-200">Ready</span>
              </p>
            </div>
            <div className="flex shrink-0 items-center gap-2">
              {confirmingId === file.id ? (
                <>
                  <span className="text-sm text-slate-700">Delete for good?</span>
                  <Button variant="danger" onClick={() => void remove(file)} disabled={busyId === file.id} aria-label={`Confirm deleting ${file.name}`}>
                    {busyId === file.id ? "Deleting…" : "Delete"}
                  </Button>
                  <Button variant="ghost" onClick={() => setConfirmingId(null)}>
                    Cancel
                  </Button>
                </>
              ) : (
                <>
                  <a className={buttonClasses("secondary")} href={`/api/files/${file.id}/download`} download aria-label={`Download ${file.name}`}>
                    Download
                  </a>
                  <Link className={buttonClasses("secondary")} href={`/files/${file.id}`} aria-label={`Share ${file.name}`}>
                    Share
                  </Link>
                  <Button variant="ghost" onClick={() => setConfirmingId(file.id)} aria-label={`Delete ${file.name}`}>
                    Delete
                  </Button>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
