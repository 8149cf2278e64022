"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { fieldText } from "@/lib/form-data";
import { ApiError, valetApi } from "@/lib/upload-client";
import { WEBHOOK_EVENT_DESCRIPTIONS, WEBHOOK_EVENTS, type WebhookEndpointSummary, type WebhookEvent } from "@/lib/webhooks";

import { LocalTime } from "./ui/local-time";
import { WebhookStatusBadge } from "./webhook-status-badge";

const inputClasses =
  "block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 dark:bg-slate-950 dark:ring-slate-600 dark:focus:ring-indigo-500";

const isWebhookEvent = (value: unknown): value is WebhookEvent => (WEBHOOK_EVENTS as readonly unknown[]).includes(value);

type Pending = { kind: "delete" | "rotate"; endpoint: WebhookEndpointSummary } | null;

export function WebhookEndpoints({ initialEndpoints }: { initialEndpoints: WebhookEndpointSummary[] }) {
  const [endpoints, setEndpoints] = useState(initialEndpoints);
  const [secret, setSecret] = useState<{ url: string; value: string } | null>(null);
  const [isCopied, setIsCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [isBusy, setIsBusy] = useState(false);

  async function run(action: () => Promise<void>, fallback: string) {
    setError(null);
    try {
      await action();
      setEndpoints(await valetApi.listWebhooks());
    } catch (e) {
      setError(e instanceof ApiError ? e.message : fallback);
    }
  }

  function showSecret(url: string, value: string) {
    setIsCopied(false);
    setSecret({ url, value });
  }

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const events = form.getAll("events").filter(isWebhookEvent);
    if (events.length === 0) {
      setError("Choose at least one event for the endpoint to hear.");
      return;
    }
    await run(async () => {
      const description = fieldText(form, "description");
      const created = await valetApi.createWebhook({ url: fieldText(form, "url"), description: description || null, events });
      showSecret(created.url, created.secret);
      formElement.reset();
    }, "Could not add the endpoint.");
  }

  async function confirmPending() {
    if (!pending) return;
    setIsBusy(true);
    const { kind, endpoint } = pending;
    await run(
      async () => {
        if (kind === "delete") {
          await valetApi.deleteWebhook(endpoint.id);
          if (secret?.url === endpoint.url) setSecret(null);
        } else {
          const rotated = await valetApi.rotateWebhookSecret(endpoint.id);
          showSecret(rotated.url, rotated.secret);
        }
      },
      kind === "delete" ? "Could not delete the endpoint." : "Could not rotate the secret.",
    );
    setIsBusy(false);
    setPending(null);
  }

  async function copySecret() {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret.value);
      setIsCopied(true);
    } catch {
      setError("The browser did not allow copying: select the secret and copy it by hand.");
    }
  }

  return (
    <div className="space-y-6">
      <form
        onSubmit={(event) => void onCreate(event)}
        className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
        aria-label="Add a webhook endpoint"
      >
        <h3 className="text-base font-semibold">Add an endpoint</h3>
        <div className="grid gap-3 sm:grid-cols-2">
          <label className="space-y-1 text-sm">
            <span className="font-medium">URL</span>
            <input name="url" type="url" required maxLength={2048} placeholder="https://example.com/hooks/valet" className={inputClasses} />
          </label>
          <label className="space-y-1 text-sm">
            <span className="font-medium">Description (optional)</span>
            <input name="description" maxLength={200} placeholder="e.g. virus scanner, CRM sync" className={inputClasses} />
          </label>
        </div>
        <fieldset>
          <legend className="text-sm font-medium">Events</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} className="flex items-start gap-2 text-sm">
                <input type="checkbox" name="events" value={event} defaultChecked className="mt-1" />
                <span>
                  <span className="font-mono text-xs">{event}</span>{" "}
                  <span className="text-slate-600 dark:text-slate-400">— {WEBHOOK_EVENT_DESCRIPTIONS[event]}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <Button type="submit">Add endpoint</Button>
      </form>

      {error ? <Alert>{error}</Alert> : null}

      {secret ? (
        <div
          className="space-y-2 rounded-xl border border-indigo-200 bg-indigo-50 p-4 dark:border-indigo-800 dark:bg-indigo-950/40"
          role="status"
          data-testid="webhook-secret"
        >
          <p className="text-sm text-indigo-900 dark:text-indigo-100">
            The signing secret for <span className="font-medium break-all">{secret.url}</span>. Copy it now: it is shown only once.
          </p>
          <div className="flex flex-col gap-2 sm:flex-row">
            <label htmlFor="webhook-secret-value" className="sr-only">
              Signing secret
            </label>
            <input
              id="webhook-secret-value"
              readOnly
              value={secret.value}
              className={`${inputClasses} min-w-0 bg-white font-mono dark:bg-slate-900`}
              onFocus={(e) => e.currentTarget.select()}
            />
            <Button variant="secondary" onClick={() => void copySecret()}>
              {isCopied ? "Copied" : "Copy"}
            </Button>
          </div>
          <p className="text-xs text-indigo-900 dark:text-indigo-200">
            Every delivery is signed the Standard Webhooks way: check the <code>webhook-signature</code> header with any Standard Webhooks library (
            <code>new Webhook(secret).verify(body, headers)</code> in the <code>standardwebhooks</code> npm package) before trusting the body.
          </p>
        </div>
      ) : null}

      {endpoints.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="webhooks-empty">
          No endpoints yet. Add one above and Valet will POST each event you choose to it, signed.
        </p>
      ) : (
        <ul
          className="divide-y divide-slate-200 rounded-xl border border-slate-200 bg-white dark:divide-slate-700 dark:border-slate-700 dark:bg-slate-900"
          aria-label="Webhook endpoints"
        >
          {endpoints.map((endpoint) => (
            <li key={endpoint.id} className="space-y-2 px-4 py-3" data-testid="webhook-row">
              <div className="flex flex-wrap items-center gap-2">
                <p className="min-w-0 font-medium break-all">{endpoint.url}</p>
                {endpoint.enabled ? null : (
                  <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-slate-200 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-700">
                    disabled
                  </span>
                )}
              </div>
              {endpoint.description ? <p className="text-sm text-slate-600 dark:text-slate-400">{endpoint.description}</p> : null}
              <p className="font-mono text-xs break-words text-slate-600 dark:text-slate-400">{endpoint.events.join(", ")}</p>
              <p className="flex flex-wrap items-center gap-1 text-xs text-slate-600 dark:text-slate-400" data-testid="webhook-last-delivery">
                {endpoint.lastDelivery ? (
                  <>
                    Last delivery: <WebhookStatusBadge status={endpoint.lastDelivery.status} />
                    {endpoint.lastDelivery.lastStatus !== null ? `HTTP ${endpoint.lastDelivery.lastStatus}` : null} ·{" "}
                    <LocalTime value={endpoint.lastDelivery.createdAt} />
                  </>
                ) : (
                  "No deliveries yet."
                )}
              </p>
              <div className="flex flex-wrap gap-2">
                <Link
                  href={`/admin/webhooks/${endpoint.id}`}
                  className="inline-flex items-center rounded-md px-3 py-2 text-sm font-medium text-indigo-700 ring-1 ring-indigo-200 ring-inset hover:bg-indigo-50 dark:text-indigo-300 dark:ring-indigo-800 dark:hover:bg-indigo-950/40"
                >
                  Delivery log
                </Link>
                <Button
                  variant="secondary"
                  onClick={() =>
                    void run(() => valetApi.updateWebhook(endpoint.id, { enabled: !endpoint.enabled }).then(() => undefined), "Could not change the endpoint.")
                  }
                  aria-label={`${endpoint.enabled ? "Disable" : "Enable"} ${endpoint.url}`}
                >
                  {endpoint.enabled ? "Disable" : "Enable"}
                </Button>
                <Button variant="secondary" onClick={() => setPending({ kind: "rotate", endpoint })} aria-label={`Rotate the secret of ${endpoint.url}`}>
                  Rotate secret
                </Button>
                <Button variant="danger" onClick={() => setPending({ kind: "delete", endpoint })} aria-label={`Delete ${endpoint.url}`}>
                  Delete
                </Button>
              </div>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === "delete" ? "Delete this endpoint?" : "Rotate the signing secret?"}
        confirmLabel={pending?.kind === "delete" ? "Delete endpoint" : "Rotate secret"}
        cancelLabel="Cancel"
        busyLabel={pending?.kind === "delete" ? "Deleting…" : "Rotating…"}
        isBusy={isBusy}
        onConfirm={() => void confirmPending()}
        onCancel={() => setPending(null)}
      >
        {pending?.kind === "delete" ? (
          <p>
            <span className="break-all">{pending.endpoint.url}</span> will hear of no more events, and its delivery log is deleted with it. Deliveries still
            waiting for a retry are dropped.
          </p>
        ) : (
          <p>
            The old secret stops working at once, for retries too: deliveries to <span className="break-all">{pending?.endpoint.url}</span> fail verification
            until the receiver has the new one.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}
