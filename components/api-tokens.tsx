"use client";

import { useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { fieldText } from "@/lib/form-data";
import { DEFAULT_TOKEN_SCOPES, isScope, SCOPE_DESCRIPTIONS, TOKEN_SCOPES } from "@/lib/scopes";
import { ApiError, valetApi, type ApiTokenSummary } from "@/lib/upload-client";

import { LocalTime } from "./ui/local-time";

const inputClasses =
  "block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 dark:ring-slate-600 dark:focus:ring-indigo-500";

function tokenState(t: ApiTokenSummary): string {
  if (t.revokedAt) return "Revoked";
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return "Expired";
  return "Active";
}

export function ApiTokens({ initialTokens, appUrl, isAdmin }: { initialTokens: ApiTokenSummary[]; appUrl: string; isAdmin: boolean }) {
  const [tokens, setTokens] = useState(initialTokens);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const days = fieldText(form, "expiresInDays");
    setError(null);
    try {
      const scopes = form.getAll("scopes").filter(isScope);
      const token = await valetApi.createToken({ name: fieldText(form, "name"), expiresInDays: days ? Number(days) : null, scopes });
      setSecret(token.secret);
      formElement.reset();
      setTokens(await valetApi.listTokens());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not create the token.");
    }
  }

  async function revoke(id: string) {
    setError(null);
    try {
      await valetApi.revokeToken(id);
      setTokens(await valetApi.listTokens());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not revoke the token.");
    }
  }

  return (
    <div className="space-y-6">
      <form
        onSubmit={(event) => void onCreate(event)}
        className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-[1fr_12rem_auto] sm:items-end dark:border-slate-700 dark:bg-slate-900"
        aria-label="Create an API token"
      >
        <label className="space-y-1 text-sm">
          <span className="font-medium">Name</span>
          <input name="name" required maxLength={100} placeholder="e.g. backup script" className={inputClasses} />
        </label>
        <label className="space-y-1 text-sm">
          <span className="font-medium">Expires</span>
          <select name="expiresInDays" className={inputClasses} defaultValue="90">
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="">never</option>
          </select>
        </label>
        <Button type="submit">Create token</Button>
        <fieldset className="sm:col-span-3">
          <legend className="text-sm font-medium">What it may do</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {TOKEN_SCOPES.filter((scope) => scope !== "admin" || isAdmin).map((scope) => (
              <label key={scope} className="flex items-start gap-2 text-sm">
                <input type="checkbox" name="scopes" value={scope} defaultChecked={DEFAULT_TOKEN_SCOPES.includes(scope)} className="mt-1" />
                <span>
                  <span className="font-mono text-xs">{scope}</span> <span className="text-slate-600 dark:text-slate-400">— {SCOPE_DESCRIPTIONS[scope]}</span>
                </span>
              </label>
            ))}
          </div>
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">Tokens can never create or list tokens: only you, signed in, can.</p>
        </fieldset>
      </form>
      {error ? <Alert>{error}</Alert> : null}
      {secret ? (
        <div className="space-y-2 rounded-xl border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-800 dark:bg-indigo-950/40" role="status">
          <p className="text-sm text-indigo-900 dark:text-indigo-100">
            Copy this token now: it is shown only once. Use it as a Bearer token, or with the command-line uploader:
          </p>
          <label htmlFor="new-token" className="sr-only">
            New API token
          </label>
          <input
            id="new-token"
            readOnly
            value={secret}
            className={`${inputClasses} bg-white font-mono dark:bg-slate-900`}
            onFocus={(e) => e.currentTarget.select()}
          />
          <pre className="overflow-x-auto rounded-md bg-white p-2 text-xs ring-1 ring-indigo-100 dark:bg-slate-900 dark:ring-indigo-900">
            VALET_URL={appUrl} VALET_TOKEN={secret.slice(0, 12)}… npm run upload -- ./file.pdf
          </pre>
        </div>
      ) : null}
      {tokens.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="tokens-empty">
          No tokens yet. Create one to use the API from scripts or the command-line uploader.
        </p>
      ) : (
        <ul
          className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-700 dark:border-slate-700 dark:bg-slate-900"
          aria-label="Your API tokens"
        >
          {tokens.map((t) => (
            <li key={t.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="token-row">
              <div>
                <p className="font-medium">
                  {t.name} <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{t.prefix}…</span>
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="token-scopes">
                  {t.scopes.join(", ")}
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  {tokenState(t)} · created <LocalTime value={t.createdAt} /> ·{" "}
                  {t.expiresAt ? (
                    <>
                      expires <LocalTime value={t.expiresAt} />
                    </>
                  ) : (
                    "never expires"
                  )}{" "}
                  ·{" "}
                  {t.lastUsedAt ? (
                    <>
                      last used <LocalTime value={t.lastUsedAt} />
                    </>
                  ) : (
                    "never used"
                  )}
                </p>
              </div>
              {tokenState(t) === "Active" ? (
                <Button variant="danger" onClick={() => void revoke(t.id)} aria-label={`Revoke token ${t.name}`}>
                  Revoke
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
