"use client";

import { useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Table } from "@/components/ui/table";
import { fieldText } from "@/lib/form-data";
import { formatDate } from "@/lib/format";
import { DAY_SECONDS, DEFAULT_SHARE_TTL_SECONDS, HOUR_SECONDS, SHARE_EXPIRY_PRESETS, SHARE_STATUS_LABELS } from "@/lib/share-policy";
import { ApiError, valetApi, type ShareSummary } from "@/lib/upload-client";
import { MIN_SHARE_PASSWORD_CHARS } from "@/lib/validation/shares";

const STATUS_STYLES: Record<ShareSummary["status"], string> = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  expired: "bg-slate-100 text-slate-700 ring-slate-200",
  used_up: "bg-amber-50 text-amber-800 ring-amber-200",
  revoked: "bg-red-50 text-red-700 ring-red-200",
};

const inputClasses =
  "block w-full rounded-md border-0 px-3 py-2 text-sm shadow-xs ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600";

export function ShareLinks({
  fileId,
  fileName,
  initialShares,
  maxTtlSeconds,
}: {
  fileId: string;
  fileName: string;
  initialShares: ShareSummary[];
  maxTtlSeconds: number;
}) {
  const [shares, setShares] = useState(initialShares);
  const [expiry, setExpiry] = useState<string>(String(DEFAULT_SHARE_TTL_SECONDS));
  const [created, setCreated] = useState<{ url: string; expiresAt: string } | null>(null);
  const [isCopied, setIsCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  async function refresh() {
    setShares(await valetApi.listShares(fileId));
  }

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const formElement = event.currentTarget;
    let expiresInSeconds = Number(expiry);
    if (expiry === "custom") {
      const amount = Number(form.get("customAmount"));
      expiresInSeconds = Math.round(amount * (form.get("customUnit") === "days" ? DAY_SECONDS : HOUR_SECONDS));
    }
    const maxDownloadsText = fieldText(form, "maxDownloads").trim();
    const password = fieldText(form, "password");
    setError(null);
    setIsBusy(true);
    try {
      const share = await valetApi.createShare(fileId, {
        expiresInSeconds,
        maxDownloads: maxDownloadsText ? Number(maxDownloadsText) : null,
        password: password || undefined,
      });
      setCreated({ url: share.url, expiresAt: share.expiresAt });
      setIsCopied(false);
      formElement.reset();
      setExpiry(String(DEFAULT_SHARE_TTL_SECONDS));
      await refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not create the link. Try again.");
    } finally {
      setIsBusy(false);
    }
  }

  async function revoke(share: ShareSummary) {
    setError(null);
    try {
      await valetApi.revokeShare(share.id);
      await refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not revoke the link. Try again.");
    }
  }

  async function copy(url: string) {
    await navigator.clipboard.writeText(url).then(
      () => setIsCopied(true),
      () => setIsCopied(false),
    );
  }

  const maxDays = Math.floor(maxTtlSeconds / DAY_SECONDS);

  return (
    <section className="space-y-4" aria-labelledby="share-heading">
      <h2 id="share-heading" className="text-lg font-semibold">
        Share
      </h2>
      <form
        onSubmit={(event) => void onCreate(event)}
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-4"
        aria-label={`Create a share link for ${fileName}`}
      >
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800">Link expires after</legend>
          <div className="flex flex-wrap gap-2">
            {[...SHARE_EXPIRY_PRESETS.map((p) => ({ label: p.label, value: String(p.seconds) })), { label: "Custom", value: "custom" }].map((option) => (
              <label
                key={option.value}
                className="inline-flex cursor-pointer items-center gap-2 rounded-md px-3 py-1.5 text-sm ring-1 ring-slate-300 has-checked:bg-indigo-50 has-checked:ring-indigo-500"
              >
                <input
                  type="radio"
                  name="expiry"
                  value={option.value}
                  checked={expiry === option.value}
                  onChange={() => setExpiry(option.value)}
                  className="accent-indigo-600"
                />
                {option.label}
              </label>
            ))}
          </div>
          {expiry === "custom" ? (
            <div className="flex max-w-xs items-center gap-2">
              <label htmlFor="customAmount" className="sr-only">
                Custom expiry
              </label>
              <input id="customAmount" name="customAmount" type="number" min={1} step={1} required defaultValue={2} className={inputClasses} />
              <label htmlFor="customUnit" className="sr-only">
                Unit
              </label>
              <select id="customUnit" name="customUnit" className={inputClasses} defaultValue="days">
                <option value="hours">hours</option>
                <option value="days">days</option>
              </select>
            </div>
          ) : null}
          <p className="text-xs text-slate-500">At most {maxDays} days.</p>
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="maxDownloads" className="block text-sm font-medium text-slate-800">
              Maximum downloads (optional)
            </label>
            <input id="maxDownloads" name="maxDownloads" type="number" min={1} step={1} placeholder="Unlimited" className={inputClasses} />
          </div>
          <div className="space-y-1">
            <label htmlFor="sharePassword" className="block text-sm font-medium text-slate-800">
              Password (optional)
            </label>
            <input
              id="sharePassword"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={MIN_SHARE_PASSWORD_CHARS}
              aria-describedby="sharePasswordHint"
              className={inputClasses}
            />
            <p id="sharePasswordHint" className="text-xs text-slate-500">
              At least {MIN_SHARE_PASSWORD_CHARS} characters. Leave empty for a link without one.
            </p>
          </div>
        </div>
        {error ? <Alert>{error}</Alert> : null}
        <Button type="submit" disabled={isBusy}>
          {isBusy ? "Creating…" : "Create link"}
        </Button>
      </form>

      {created ? (
        <div className="space-y-2 rounded-xl border border-indigo-200 bg-indigo-50 p-4" role="status">
          <p className="text-sm text-indigo-900">
            Anyone with this link can download the file until {formatDate(created.expiresAt)}. It is shown only once: copy it now.
          </p>
          <div className="flex gap-2">
            <label htmlFor="created-link" className="sr-only">
              New share link
            </label>
            <input id="created-link" readOnly value={created.url} className={`${inputClasses} bg-white font-mono`} onFocus={(e) => e.currentTarget.select()} />
            <Button variant="secondary" onClick={() => void copy(created.url)}>
              {isCopied ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : null}

      {shares.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="shares-empty">
          No links yet. Create one above to let someone without an account download this file.
        </p>
      ) : (
        <Table caption={`Share links for ${fileName}`} headers={["Created", "Expires", "Downloads", "Password", "Status", ""]}>
          {shares.map((share) => (
            <tr key={share.id} data-testid="share-row">
              <td className="px-3 py-2 whitespace-nowrap">{formatDate(share.createdAt)}</td>
              <td className="px-3 py-2 whitespace-nowrap">{formatDate(share.expiresAt)}</td>
              <td className="px-3 py-2">
                {share.downloadCount} / {share.maxDownloads ?? "∞"}
              </td>
              <td className="px-3 py-2">{share.hasPassword ? "Yes" : "No"}</td>
              <td className="px-3 py-2">
                <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STATUS_STYLES[share.status]}`}>
                  {SHARE_STATUS_LABELS[share.status]}
                </span>
              </td>
              <td className="px-3 py-2 text-right">
                {share.status === "active" ? (
                  <Button variant="danger" onClick={() => void revoke(share)} aria-label={`Revoke link created ${formatDate(share.createdAt)}`}>
                    Revoke
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
