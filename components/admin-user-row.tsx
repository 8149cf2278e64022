"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/button";
import { formatBytes } from "@/lib/format";
import { GiB } from "@/lib/units";

import { LocalTime } from "./ui/local-time";

export interface AdminUser {
  id: string;
  email: string;
  name: string | null;
  role: "USER" | "ADMIN";
  disabled: boolean;
  lastActiveAt: string | null;
  files: number;
  bytes: number;
  pendingFiles: number;
  pendingBytes: number;
  quotaBytes: number;
  quotaFiles: number;
  /** "password" and/or the identity providers the account is linked to. */
  signInMethods: string[];
  /** The identity provider's groups set the role at each sign-in: no button for it here. */
  isRoleFromProvider: boolean;
}

async function patch(id: string, body: unknown): Promise<string | null> {
  const res = await fetch(`/api/admin/users/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.ok) return null;
  const data = (await res.json().catch(() => null)) as { error?: { message: string } } | null;
  return data?.error?.message ?? `Request failed (${res.status}).`;
}

export function AdminUserRow({ user, isSelf }: { user: AdminUser; isSelf: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isEditing, setIsEditing] = useState(false);

  async function apply(body: unknown) {
    setError(await patch(user.id, body));
    router.refresh();
  }

  async function saveQuota(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const gib = Number(form.get("quotaGiB"));
    const files = Number(form.get("quotaFiles"));
    await apply({ quotaBytes: Math.round(gib * GiB), quotaFiles: files });
    setIsEditing(false);
  }

  const usedShare = user.quotaBytes > 0 ? Math.min(100, Math.round(((user.bytes + user.pendingBytes) / user.quotaBytes) * 100)) : 100;
  return (
    <tr data-testid="admin-user-row">
      <td className="px-3 py-2">
        <p className="font-medium">{user.email}</p>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          {user.name ?? "—"} · {user.role.toLowerCase()}
          {user.isRoleFromProvider ? " (from groups)" : ""}
          {user.disabled ? <span className="ml-1 font-medium text-red-700 dark:text-red-300">· disabled</span> : null}
        </p>
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="sign-in-methods">
          Signs in with {user.signInMethods.length > 0 ? user.signInMethods.join(" or ") : "nothing yet"}
        </p>
      </td>
      <td className="px-3 py-2">
        <p>
          {formatBytes(user.bytes)} in {user.files} file(s)
        </p>
        {user.pendingFiles > 0 ? (
          <p className="text-xs text-slate-500 dark:text-slate-400">
            + {formatBytes(user.pendingBytes)} reserved by {user.pendingFiles} upload(s)
          </p>
        ) : null}
        <div
          className="mt-1 h-1.5 w-32 rounded-full bg-slate-100 dark:bg-slate-800"
          role="meter"
          aria-valuenow={usedShare}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-label={`Quota used by ${user.email}`}
        >
          <div className={`h-1.5 rounded-full ${usedShare > 90 ? "bg-red-500" : "bg-indigo-500"}`} style={{ width: `${usedShare}%` }} />
        </div>
      </td>
      <td className="px-3 py-2">
        {isEditing ? (
          <form onSubmit={(event) => void saveQuota(event)} className="flex flex-wrap items-center gap-1" aria-label={`Quota for ${user.email}`}>
            <input
              name="quotaGiB"
              type="number"
              min={0}
              step="any"
              defaultValue={user.quotaBytes / GiB}
              aria-label="Quota in GiB"
              className="w-20 rounded-md px-2 py-1 ring-1 ring-slate-300 dark:ring-slate-600"
            />
            <span className="text-xs">GiB</span>
            <input
              name="quotaFiles"
              type="number"
              min={0}
              step={1}
              defaultValue={user.quotaFiles}
              aria-label="Quota in files"
              className="w-20 rounded-md px-2 py-1 ring-1 ring-slate-300 dark:ring-slate-600"
            />
            <span className="text-xs">files</span>
            <Button type="submit" variant="secondary">
              Save
            </Button>
          </form>
        ) : (
          <button
            type="button"
            className="text-left text-sm underline decoration-dotted"
            onClick={() => setIsEditing(true)}
            aria-label={`Change quota of ${user.email}`}
          >
            {formatBytes(user.quotaBytes)} · {user.quotaFiles.toLocaleString("en")} files
          </button>
        )}
      </td>
      <td className="px-3 py-2 whitespace-nowrap">{user.lastActiveAt ? <LocalTime value={user.lastActiveAt} /> : "never"}</td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap justify-end gap-2">
          {!isSelf ? (
            <>
              {/* A role the groups give can be taken away here (at once), but not given (the next sign-in would undo it). */}
              {user.isRoleFromProvider && user.role !== "ADMIN" ? null : (
                <Button variant="secondary" onClick={() => void apply({ role: user.role === "ADMIN" ? "USER" : "ADMIN" })}>
                  {user.role === "ADMIN" ? "Make user" : "Make admin"}
                </Button>
              )}
              <Button
                variant={user.disabled ? "secondary" : "danger"}
                onClick={() => void apply({ disabled: !user.disabled })}
                aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.email}`}
              >
                {user.disabled ? "Enable" : "Disable"}
              </Button>
            </>
          ) : (
            <span className="text-xs text-slate-500 dark:text-slate-400">you</span>
          )}
        </div>
        {error ? (
          <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-300">
            {error}
          </p>
        ) : null}
      </td>
    </tr>
  );
}
