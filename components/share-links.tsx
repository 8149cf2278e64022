"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { PHONE_HIDDEN, Table } from "@/components/ui/table";
import { fieldText } from "@/lib/form-data";
import { formatDate } from "@/lib/format";
import { DAY_SECONDS, DEFAULT_SHARE_TTL_SECONDS, HOUR_SECONDS, SHARE_EXPIRY_PRESETS, SHARE_STATUS_LABELS } from "@/lib/share-policy";
import { ApiError, valetApi, type ShareSummary } from "@/lib/upload-client";
import { MIN_SHARE_PASSWORD_CHARS } from "@/lib/validation/shares";

import { LocalTime } from "./ui/local-time";

const STATUS_STYLES: Record<ShareSummary["status"], string> = {
  active: "bg-emerald-50 text-emerald-700 ring-emerald-200 dark:bg-emerald-950/40 dark:text-emerald-300 dark:ring-emerald-800",
  expired: "bg-slate-100 text-slate-700 ring-slate-200 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-700",
  used_up: "bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950/40 dark:text-amber-200 dark:ring-amber-800",
  revoked: "bg-red-50 text-red-700 ring-red-200 dark:bg-red-950/40 dark:text-red-300 dark:ring-red-800",
};

const inputClasses =
  "block w-full rounded-md border-0 px-3 py-2 text-sm shadow-xs ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600 dark:ring-slate-600 dark:focus:ring-indigo-500";

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
  /** Which link "Create another" copied its settings from. */
  const [copiedFrom, setCopiedFrom] = useState<ShareSummary | null>(null);
  const [customAmount, setCustomAmount] = useState(2);
  const [customUnit, setCustomUnit] = useState<"hours" | "days">("days");
  const maxDownloadsInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  const createdInput = useRef<HTMLInputElement>(null);
  // A new link is shown once: focus goes to it, selected, ready to copy.
  useEffect(() => {
    if (!created) return;
    createdInput.current?.focus();
    createdInput.current?.select();
  }, [created]);

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
      setCopiedFrom(null);
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

  /**
   * A lost link cannot be shown again (Valet keeps only its hash): make a new one like it. The form
   * takes the old link's lifetime and download limit; a password has to be typed again.
   */
  function createAnother(share: ShareSummary) {
    const lifetime = Math.round((Date.parse(share.expiresAt) - Date.parse(share.createdAt)) / 1000);
    const preset = SHARE_EXPIRY_PRESETS.find((p) => p.seconds === lifetime);
    if (preset) setExpiry(String(preset.seconds));
    else {
      setExpiry("custom");
      const isWholeDays = lifetime % DAY_SECONDS === 0;
      setCustomUnit(isWholeDays ? "days" : "hours");
      setCustomAmount(Math.max(1, Math.round(lifetime / (isWholeDays ? DAY_SECONDS : HOUR_SECONDS))));
    }
    if (maxDownloadsInput.current) maxDownloadsInput.current.value = share.maxDownloads === null ? "" : String(share.maxDownloads);
    setCopiedFrom(share);
    setCreated(null);
    (share.hasPassword ? passwordInput.current : maxDownloadsInput.current)?.focus();
  }

  const maxDays = Math.floor(maxTtlSeconds / DAY_SECONDS);

  return (
    <section className="space-y-4" aria-labelledby="share-heading">
      <h2 id="share-heading" className="text-lg font-semibold">
        Share
      </h2>
      <form
        onSubmit={(event) => void onCreate(event)}
        className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
        aria-label={`Create a share link for ${fileName}`}
      >
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800 dark:text-slate-200">Link expires after</legend>
          <div className="flex flex-wrap gap-2">
            {[...SHARE_EXPIRY_PRESETS.map((p) => ({ label: p.label, value: String(p.seconds) })), { label: "Custom", value: "custom" }].map((option) => (
              <label
                key={option.value}
                className="inline-flex cursor-pointer items-center gap-2 rounded-md px-3 py-1.5 text-sm ring-1 ring-slate-300 has-checked:bg-indigo-50 has-checked:ring-indigo-500 dark:ring-slate-600 dark:has-checked:bg-indigo-950/40 dark:has-checked:ring-indigo-400"
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
              <input
                id="customAmount"
                name="customAmount"
                type="number"
                min={1}
                step={1}
                required
                value={customAmount}
                onChange={(e) => setCustomAmount(Number(e.currentTarget.value))}
                className={inputClasses}
              />
              <label htmlFor="customUnit" className="sr-only">
                Unit
              </label>
              <select
                id="customUnit"
                name="customUnit"
                className={inputClasses}
                value={customUnit}
                onChange={(e) => setCustomUnit(e.currentTarget.value === "hours" ? "hours" : "days")}
              >
                <option value="hours">hours</option>
                <option value="days">days</option>
              </select>
            </div>
          ) : null}
          <p className="text-xs text-slate-500 dark:text-slate-400">At most {maxDays} days.</p>
        </fieldset>
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="space-y-1">
            <label htmlFor="maxDownloads" className="block text-sm font-medium text-slate-800 dark:text-slate-200">
              Maximum downloads (optional)
            </label>
            <input
              ref={maxDownloadsInput}
              id="maxDownloads"
              name="maxDownloads"
              type="number"
              min={1}
              step={1}
              placeholder="Unlimited"
              className={inputClasses}
            />
          </div>
          <div className="space-y-1">
            <label htmlFor="sharePassword" className="block text-sm font-medium text-slate-800 dark:text-slate-200">
              Password (optional)
            </label>
            <input
              ref={passwordInput}
              id="sharePassword"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={MIN_SHARE_PASSWORD_CHARS}
              aria-describedby="sharePasswordHint"
              className={inputClasses}
            />
            <p id="sharePasswordHint" className="text-xs text-slate-500 dark:text-slate-400">
              At least {MIN_SHARE_PASSWORD_CHARS} characters. Leave empty for a link without one.
            </p>
          </div>
        </div>
        {copiedFrom ? (
          <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
            Settings copied from the link created <LocalTime value={copiedFrom.createdAt} />
            {copiedFrom.hasPassword ? ": it had a password, so type one again (Valet cannot read the old one)." : "."} Revoke the lost link if someone else may
            have it.
          </p>
        ) : null}
        {error ? <Alert>{error}</Alert> : null}
        <Button type="submit" disabled={isBusy}>
          {isBusy ? "Creating…" : "Create link"}
        </Button>
      </form>

      {created ? (
        <div className="space-y-2 rounded-xl border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-800 dark:bg-indigo-950/40" role="status">
          <p className="text-sm text-indigo-900 dark:text-indigo-100">
            Anyone with this link can download the file until <LocalTime value={created.expiresAt} />. It is shown only once: Valet keeps only a fingerprint of
            it, so it cannot show it again. Copy it now; if it is lost, use “Create another” in the list below.
          </p>
          <div className="flex gap-2">
            <label htmlFor="created-link" className="sr-only">
              New share link
            </label>
            <input
              ref={createdInput}
              id="created-link"
              readOnly
              value={created.url}
              className={`${inputClasses} bg-white font-mono dark:bg-slate-900`}
              onFocus={(e) => e.currentTarget.select()}
            />
            <Button variant="secondary" onClick={() => void copy(created.url)}>
              {isCopied ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : null}

      {shares.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="shares-empty">
          No links yet. Create one above to let someone without an account download this file.
        </p>
      ) : (
        <div className="space-y-2">
          <p className="text-sm text-slate-600 dark:text-slate-400">
            A link is shown only when it is created: Valet keeps a fingerprint of it, not the link. Lost one? Use “Create another”, and revoke the lost one if
            someone else may have it.
          </p>
          <Table caption={`Share links for ${fileName}`} phoneHidden={[0, 2, 3, 4]} headers={["Created", "Expires", "Downloads", "Password", "Status", ""]}>
            {shares.map((share) => (
              <tr key={share.id} data-testid="share-row">
                <td className={`px-3 py-2 whitespace-nowrap ${PHONE_HIDDEN}`}>
                  <LocalTime value={share.createdAt} />
                </td>
                <td className="px-3 py-2 sm:whitespace-nowrap">
                  <LocalTime value={share.expiresAt} />
                  {/* On a phone the downloads and the status go here, under the expiry. */}
                  <span className="mt-1 flex flex-wrap items-center gap-2 text-xs sm:hidden">
                    <ShareStatus status={share.status} />
                    {share.downloadCount} / {share.maxDownloads ?? "∞"} downloads
                  </span>
                </td>
                <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>
                  {share.downloadCount} / {share.maxDownloads ?? "∞"}
                </td>
                <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>{share.hasPassword ? "Yes" : "No"}</td>
                <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>
                  <ShareStatus status={share.status} />
                </td>
                <td className="px-3 py-2">
                  <div className="flex flex-col items-end gap-2 sm:flex-row sm:items-center sm:justify-end">
                    <Button
                      variant="ghost"
                      onClick={() => createAnother(share)}
                      aria-label={`Create another link like the one created ${formatDate(share.createdAt)}`}
                    >
                      Create another
                    </Button>
                    {share.status === "active" ? (
                      <Button variant="danger" onClick={() => void revoke(share)} aria-label={`Revoke link created ${formatDate(share.createdAt)}`}>
                        Revoke
                      </Button>
                    ) : null}
                  </div>
                </td>
              </tr>
            ))}
          </Table>
        </div>
      )}
    </section>
  );
}

function ShareStatus({ status }: { status: ShareSummary["status"] }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STATUS_STYLES[status]}`}>{SHARE_STATUS_LABELS[status]}</span>;
}
