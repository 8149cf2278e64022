"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { useRefreshWhileAwaitingJobs } from "@/components/refresh-while";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { LocalTime } from "@/components/ui/local-time";
import { PHONE_HIDDEN, Table } from "@/components/ui/table";
import { formatBytes } from "@/lib/format";
import { ApiError, valetApi, type FileListItem } from "@/lib/upload-client";

const countOf = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** Names shown in the confirmation before "and N more". */
const NAMED_IN_CONFIRMATION = 5;

/** One page of My files: select some or all of it and delete them at once, or act on one file. */
export function FileTable({ files }: { files: FileListItem[] }) {
  const router = useRouter();
  const [selectedIds, setSelectedIds] = useState<ReadonlySet<string>>(new Set());
  const [confirmingId, setConfirmingId] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [isDialogOpen, setIsDialogOpen] = useState(false);
  const [isBulkBusy, setIsBulkBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const selectAllRef = useRef<HTMLInputElement>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);

  // Only what is on this page counts: after a refresh, files that left it are no longer selected.
  const selected = files.filter((f) => selectedIds.has(f.id));
  const isAllSelected = files.length > 0 && selected.length === files.length;

  useEffect(() => {
    if (selectAllRef.current) selectAllRef.current.indeterminate = selected.length > 0 && !isAllSelected;
  }, [selected.length, isAllSelected]);

  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  // Fresh uploads get their thumbnail and checksum from a worker a moment later: look again.
  useRefreshWhileAwaitingJobs(files);

  function toggle(id: string, isChecked: boolean) {
    setNotice(null);
    setSelectedIds((current) => {
      const next = new Set(current);
      if (isChecked) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  async function remove(file: FileListItem) {
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

  async function removeSelected() {
    setIsBulkBusy(true);
    setDialogError(null);
    try {
      const result = await valetApi.deleteFiles({ ids: selected.map((f) => f.id) });
      const gone = result.notFound.length > 0 ? ` ${countOf(result.notFound.length, "file was", "files were")} already gone.` : "";
      setSelectedIds(new Set());
      setIsDialogOpen(false);
      setNotice(`Deleted ${countOf(result.deleted.length, "file", "files")}.${gone}`);
      router.refresh();
    } catch (e) {
      // Some may be deleted already: the list shows what is left, and the dialog says what happened.
      setDialogError(`Could not delete them all: ${e instanceof ApiError ? e.message : "unexpected error"}`);
      router.refresh();
    } finally {
      setIsBulkBusy(false);
    }
  }

  const selectAll = (
    <input
      ref={selectAllRef}
      type="checkbox"
      checked={isAllSelected}
      onChange={(e) => {
        setNotice(null);
        setSelectedIds(e.target.checked ? new Set(files.map((f) => f.id)) : new Set());
      }}
      aria-label="Select all files on this page"
      className="h-4 w-4 rounded border-slate-300 accent-indigo-600 dark:border-slate-600"
    />
  );

  return (
    <div className="space-y-3">
      {error ? <Alert>{error}</Alert> : null}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p ref={noticeRef} tabIndex={-1} className="text-sm text-slate-600 outline-none dark:text-slate-400" aria-live="polite" data-testid="selection-status">
          {notice ?? (selected.length > 0 ? `${countOf(selected.length, "file", "files")} selected` : `${countOf(files.length, "file", "files")} on this page`)}
        </p>
        <Button
          variant="danger"
          disabled={selected.length === 0}
          onClick={() => {
            setDialogError(null);
            setIsDialogOpen(true);
          }}
        >
          {selected.length === 0 ? "Delete selected" : `Delete ${countOf(selected.length, "file", "files")}`}
        </Button>
      </div>
      <Table
        caption="Your files"
        phoneHidden={[1, 3, 4, 5]}
        headers={[
          selectAll,
          <span key="preview" className="sr-only">
            Preview
          </span>,
          "Name",
          "Size",
          "Uploaded",
          "Shared",
          "",
        ]}
      >
        {files.map((file) => (
          <tr key={file.id} data-testid="file-row" className={selectedIds.has(file.id) ? "bg-indigo-50/60 dark:bg-indigo-950/40" : undefined}>
            <td className="w-10 px-3 py-2">
              <input
                type="checkbox"
                checked={selectedIds.has(file.id)}
                onChange={(e) => toggle(file.id, e.target.checked)}
                aria-label={`Select ${file.name}`}
                className="h-4 w-4 rounded border-slate-300 accent-indigo-600 dark:border-slate-600"
              />
            </td>
            <td className={`w-14 px-3 py-2 ${PHONE_HIDDEN}`}>
              <Thumbnail file={file} />
            </td>
            <td className="max-w-[16rem] px-3 py-2">
              <p className="font-medium break-all text-slate-900 sm:truncate sm:break-normal dark:text-slate-100" title={file.name}>
                <Link href={`/files/${file.id}`} className="hover:text-indigo-600 hover:underline dark:hover:text-indigo-400">
                  {file.name}
                </Link>
              </p>
              <p className="text-xs break-all text-slate-500 sm:truncate sm:break-normal dark:text-slate-400">{file.type}</p>
              {/* On a phone the size, the date and the links go here, under the name, instead of columns of their own. */}
              <p className="text-xs text-slate-500 sm:hidden dark:text-slate-400">
                {formatBytes(file.size)} · <LocalTime value={file.createdAt} />
                {file.liveShareLinks > 0 ? ` · ${countOf(file.liveShareLinks, "link", "links")}` : ""}
              </p>
            </td>
            <td className={`px-3 py-2 whitespace-nowrap ${PHONE_HIDDEN}`}>{formatBytes(file.size)}</td>
            <td className={`px-3 py-2 whitespace-nowrap ${PHONE_HIDDEN}`}>
              <LocalTime value={file.createdAt} />
            </td>
            <td className={`px-3 py-2 whitespace-nowrap ${PHONE_HIDDEN}`}>
              <ShareMarker count={file.liveShareLinks} />
            </td>
            <td className="px-3 py-2">
              <div className="flex flex-col items-end gap-2 sm:flex-row sm:items-center sm:justify-end">
                {confirmingId === file.id ? (
                  <>
                    <span className="text-sm whitespace-nowrap text-slate-700 dark:text-slate-300">Delete for good?</span>
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
            </td>
          </tr>
        ))}
      </Table>
      <ConfirmDialog
        open={isDialogOpen}
        title={`Delete ${countOf(selected.length, "file", "files")}?`}
        confirmLabel={`Delete ${countOf(selected.length, "file", "files")}`}
        cancelLabel="Cancel"
        busyLabel="Deleting…"
        isBusy={isBulkBusy}
        onConfirm={() => void removeSelected()}
        onCancel={() => setIsDialogOpen(false)}
      >
        <p>They are deleted for good, and their share links stop working.</p>
        <ul className="list-disc pl-5">
          {selected.slice(0, NAMED_IN_CONFIRMATION).map((f) => (
            <li key={f.id}>
              <span className="block truncate">{f.name}</span>
            </li>
          ))}
          {selected.length > NAMED_IN_CONFIRMATION ? <li>and {countOf(selected.length - NAMED_IN_CONFIRMATION, "more", "more")}</li> : null}
        </ul>
        {dialogError ? <Alert>{dialogError}</Alert> : null}
      </ConfirmDialog>
    </div>
  );
}

/**
 * The thumbnail a worker made (file.thumbnail): the <img> asks /api/files/:id/thumbnail, which
 * redirects to a short-lived storage URL, only when the row scrolls near view. Everything else, a
 * picture whose thumbnail is not made yet, or one that fails to load, gets a neutral icon.
 */
function Thumbnail({ file }: { file: FileListItem }) {
  const [isBroken, setIsBroken] = useState(false);
  const box = "block h-10 w-10 shrink-0 rounded-md bg-slate-100 ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700";
  if (file.thumbnail && !isBroken) {
    return (
      // eslint-disable-next-line @next/next/no-img-element -- a redirect to a presigned storage URL, not an optimisable asset
      <img
        src={`/api/files/${file.id}/thumbnail`}
        alt={`Thumbnail of ${file.name}`}
        loading="lazy"
        decoding="async"
        width={40}
        height={40}
        onError={() => setIsBroken(true)}
        className={`${box} object-cover`}
        data-testid="file-thumbnail"
      />
    );
  }
  return (
    <span className={`${box} flex items-center justify-center text-slate-400 dark:text-slate-500`} data-testid="file-icon">
      <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.5" className="h-5 w-5">
        <path strokeLinecap="round" strokeLinejoin="round" d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8l-5-5Z" />
        <path strokeLinecap="round" strokeLinejoin="round" d="M14 3v5h5" />
      </svg>
    </span>
  );
}

/** How many of the file's share links still work (not revoked, expired or used up). */
function ShareMarker({ count }: { count: number }) {
  if (count === 0) {
    return (
      <span className="text-slate-400 dark:text-slate-500">
        <span aria-hidden="true">—</span>
        <span className="sr-only">Not shared</span>
      </span>
    );
  }
  return (
    <span
      className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-indigo-200 dark:bg-indigo-950/40 dark:text-indigo-300 dark:ring-indigo-800"
      data-testid="share-marker"
    >
      {countOf(count, "link", "links")}
    </span>
  );
}
