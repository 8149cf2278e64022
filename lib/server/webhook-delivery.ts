import "server-only";

import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { JobHelpers } from "graphile-worker";

import { db } from "./db";
import { env } from "./env";
import { resolveWebhookTarget, type WebhookTarget } from "./webhook-address";
import { decryptWebhookSecret, signWebhook } from "./webhook-crypto";

// Sends one webhook delivery (task "webhook"). Each attempt is recorded on the delivery's row;
// a failed one throws, so graphile-worker tries again after e^attempt seconds, until the job's
// last attempt, which marks the delivery FAILED (dead: only an admin's redeliver sends it again).

/** At most this much of an answer is read (and none of it kept). */
const MAX_RESPONSE_BYTES = 4 * 1024;
/** Kept on the row, so that the delivery log stays readable. */
const MAX_ERROR_CHARS = 500;
const USER_AGENT = "Valet-Webhooks/1 (+https://www.standardwebhooks.com/)";

export interface Attempt {
  status: number | null;
  error: string | null;
}

function deliveryIdOf(payload: unknown): string {
  const id = (payload as { deliveryId?: unknown } | null)?.deliveryId;
  if (typeof id !== "string") throw new Error("The job names no webhook delivery.");
  return id;
}

export async function deliverWebhook(payload: unknown, helpers: Pick<JobHelpers, "job">): Promise<void> {
  const id = deliveryIdOf(payload);
  const delivery = await db().webhookDelivery.findUnique({
    where: { id },
    select: { status: true, payload: true, endpoint: { select: { url: true, secret: true, disabledAt: true } } },
  });
  // Gone with its endpoint, or settled already (a job taken twice): nothing to send.
  if (!delivery || delivery.status !== "PENDING") return;
  if (delivery.endpoint.disabledAt) {
    await db().webhookDelivery.updateMany({
      where: { id, status: "PENDING" },
      data: { status: "FAILED", lastError: "Not sent: the endpoint was disabled. Enable it and redeliver to send this event." },
    });
    return;
  }

  const attemptedAt = new Date();
  const started = performance.now();
  let attempt: Attempt;
  try {
    const target = await resolveWebhookTarget(delivery.endpoint.url, { allowPrivate: env().WEBHOOK_ALLOW_PRIVATE });
    // The same bytes on every attempt (the stored body); only the timestamp and signature are new.
    const body = JSON.stringify(delivery.payload);
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ secret: decryptWebhookSecret(delivery.endpoint.secret), id, timestampSeconds, body });
    const headers = {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": id,
      "webhook-timestamp": String(timestampSeconds),
      "webhook-signature": signature,
    };
    attempt = await postWebhook(target, headers, body, env().WEBHOOK_TIMEOUT_SECONDS * 1000);
  } catch (error) {
    attempt = { status: null, error: (error as Error).message };
  }
  const latencyMs = Math.round(performance.now() - started);
  const isDelivered = attempt.error === null;
  const isDead = !isDelivered && helpers.job.attempts >= helpers.job.max_attempts;
  await db().webhookDelivery.updateMany({
    where: { id, status: "PENDING" },
    data: {
      status: isDelivered ? "DELIVERED" : isDead ? "FAILED" : "PENDING",
      attempts: helpers.job.attempts,
      lastStatus: attempt.status,
      lastError: attempt.error?.slice(0, MAX_ERROR_CHARS) ?? null,
      lastLatencyMs: latencyMs,
      lastAttemptAt: attemptedAt,
      ...(isDelivered ? { deliveredAt: new Date() } : {}),
    },
  });
  if (!isDelivered) throw new Error(`Webhook delivery ${id} failed: ${attempt.error}`);
}

/**
 * One POST to the checked address (the custom lookup pins it: the URL's host name is still sent
 * as Host and for TLS), no redirects followed, the whole exchange bounded by `timeoutMs`, at most
 * MAX_RESPONSE_BYTES of the answer read.
 */
export async function postWebhook(target: WebhookTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Attempt> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const signal = AbortSignal.timeout(timeoutMs);
  const client = target.url.protocol === "https:" ? https : http;
  try {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = client.request(target.url, { method: "POST", headers, lookup: pinned, signal, agent: false }, resolve);
      request.on("error", reject);
      request.end(body);
    });
    // The answer is read (a little of it) only so the exchange ends cleanly.
    let read = 0;
    for await (const chunk of response) {
      read += (chunk as Buffer).length;
      if (read >= MAX_RESPONSE_BYTES) break;
    }
    response.destroy();
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return { status, error: null };
    // What the receiver said is not kept: its error pages may carry its own secrets, and the
    // delivery log, the Jobs console and the server log would repeat them.
    if (status >= 300 && status < 400)
      return { status, error: `The endpoint answered ${status} (a redirect); Valet does not follow redirects. Register the final URL.` };
    return { status, error: `The endpoint answered ${status}.` };
  } catch (error) {
    if (signal.aborted) return { status: null, error: `No answer within ${timeoutMs / 1000} s (WEBHOOK_TIMEOUT_SECONDS).` };
    const code = (error as { code?: string }).code;
    return { status: null, error: `Could not reach the endpoint${code ? ` (${code})` : ""}: ${(error as Error).message}` };
  }
}
