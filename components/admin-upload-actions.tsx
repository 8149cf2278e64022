"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { ApiError } from "@/lib/upload-client";

type Action = { label: string; method: "DELETE" | "POST"; path: string; confirm: string };

/** Row actions for the admin uploads table; each asks once before acting. */
export function AdminUploadActions({ id, name, status, liveShareLinks }: { id: string; name: string; status: string; liveShareLinks: number }) {
  const router = useRouter();
  const [pending, setPending] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const actions: Action[] = [];
  if (status === "READY" || status === "QUARANTINED")
    actions.push({ label: "Delete", method: "DELETE", path: `/api/admin/files/${id}`, confirm: "Delete for good?" });
  if (liveShareLinks > 0)
    actions.push({ label: "Revoke links", method: "POST", path: `/api/admin/files/${id}/revoke-shares`, confirm: `Revoke ${liveShareLinks} link(s)?` });
  if (status === "PENDING") actions.push({ label: "Abort", method: "DELETE", path: `/api/admin/uploads/${id}`, confirm: "Abort this upload?" });

  async function run(action: Action) {
    setError(null);
    const res = await fetch(action.path, { method: action.method });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message: string } } | null;
      setError(body?.error?.message ?? new ApiError(res.status, "internal", "failed").message);
      return;
    }
    setPending(null);
    router.refresh();
  }

  if (pending) {
    return (
      <div className="flex flex-wrap items-center justify-end gap-2">
        <span className="text-xs text-slate-700 dark:text-slate-300">{pending.confirm}</span>
        <Button variant="danger" onClick={() => void run(pending)} aria-label={`Confirm ${pending.label.toLowerCase()} ${name}`}>
          {pending.label}
        </Button>
        <Button variant="ghost" onClick={() => setPending(null)}>
          Cancel
        </Button>
      </div>
    );
  }
  return (
    <div className="flex flex-wrap justify-end gap-2">
      {actions.map((action) => (
        <Button key={action.label} variant="secondary" onClick={() => setPending(action)} aria-label={`${action.label} ${name}`}>
          {action.label}
        </Button>
      ))}
      {error ? (
        <span role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </span>
      ) : null}
    </div>
  );
}
