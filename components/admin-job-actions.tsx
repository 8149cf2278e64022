"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";

/** Retry (at once) or delete (after asking) one dead job on the admin Jobs page. */
export function AdminJobActions({ id, task }: { id: string; task: string }) {
  const router = useRouter();
  const [isConfirmingDelete, setIsConfirmingDelete] = useState(false);
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(method: "POST" | "DELETE", path: string) {
    setIsBusy(true);
    setError(null);
    try {
      const res = await fetch(path, { method });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message: string } } | null;
        setError(body?.error?.message ?? `Failed (${res.status}).`);
        return;
      }
      setIsConfirmingDelete(false);
      router.refresh();
    } catch {
      setError("Could not reach Valet. Try again.");
    } finally {
      setIsBusy(false);
    }
  }

  const label = `${task} job ${id}`;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {isConfirmingDelete ? (
        <>
          <span className="text-xs text-slate-700 dark:text-slate-300">Give up on it for good?</span>
          <Button variant="danger" disabled={isBusy} onClick={() => void send("DELETE", `/api/admin/jobs/${id}`)} aria-label={`Confirm deleting ${label}`}>
            Delete
          </Button>
          <Button variant="ghost" onClick={() => setIsConfirmingDelete(false)}>
            Cancel
          </Button>
        </>
      ) : (
        <>
          <Button variant="secondary" disabled={isBusy} onClick={() => void send("POST", `/api/admin/jobs/${id}/retry`)} aria-label={`Retry ${label}`}>
            {isBusy ? "Retrying…" : "Retry"}
          </Button>
          <Button variant="ghost" disabled={isBusy} onClick={() => setIsConfirmingDelete(true)} aria-label={`Delete ${label}`}>
            Delete
          </Button>
        </>
      )}
      {error ? (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      ) : null}
    </div>
  );
}
