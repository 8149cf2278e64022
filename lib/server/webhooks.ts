import "server-only";

import { randomUUID } from "node:crypto";

import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import type { CreateWebhookInput, UpdateWebhookInput, WebhookDeliveriesQuery } from "@/lib/validation/webhooks";
import type { WebhookDeliverySummary, WebhookEndpointSummary, WebhookEndpointWithSecret, WebhookEvent } from "@/lib/webhooks";

import { assertAdmin, foundOr404, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { cursorTime, decodeCursor, encodeCursor } from "./cursor";
import { db, type Tx } from "./db";
import { env } from "./env";
import { addJob, addJobSql } from "./jobs/queue";
import { resolveWebhookTarget } from "./webhook-address";
import { encryptWebhookSecret, generateWebhookSecret } from "./webhook-crypto";

// Webhooks: the events Valet tells registered endpoints about, one delivery row per event and
// endpoint, each sent by a job (task "webhook").

export { WEBHOOK_EVENTS, type WebhookEvent } from "@/lib/webhooks";

/** What every upload event says of the file. */
export interface WebhookFile {
  id: string;
  name: string;
  size: number;
  type: string;
  ownerId: string;
  sha256: string | null;
}

export function webhookFile(u: { id: string; name: string; size: bigint | number; contentType: string; ownerId: string; sha256: string | null }): WebhookFile {
  return { id: u.id, name: u.name, size: Number(u.size), type: u.contentType, ownerId: u.ownerId, sha256: u.sha256 };
}

/**
 * Records `event` for every endpoint that hears it, and queues one delivery job for each, in the
 * transaction of the change the event reports: committed together or not at all. The body is
 * fixed here (Standard Webhooks' {type, timestamp, data}), so every attempt sends the same bytes.
 */
export async function enqueueEvent(tx: Tx, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
  const payload = JSON.stringify({ type: event, timestamp: new Date().toISOString(), data });
  await tx.$queryRaw(Prisma.sql`
    WITH delivery AS (
      INSERT INTO "WebhookDelivery" (id, "endpointId", event, payload)
      SELECT gen_random_uuid(), e.id, ${event}, ${payload}::jsonb FROM "WebhookEndpoint" e
      WHERE e."disabledAt" IS NULL AND ${event} = ANY(e.events)
      RETURNING id
    )
    SELECT count(${addJobSql(Prisma.sql`'webhook'::text`, Prisma.sql`json_build_object('deliveryId', delivery.id)`, Prisma.sql`'webhook:' || delivery.id::text`)}) AS queued
    FROM delivery`);
}

// The administrators' side: endpoints and their delivery logs. Every function takes the acting
// user and refuses non-admins itself. The secret column is never selected here except to write it:
// it leaves Valet only in the answer to create and rotate.

const ENDPOINT_FIELDS = {
  id: true,
  url: true,
  description: true,
  events: true,
  disabledAt: true,
  createdAt: true,
  deliveries: { select: { status: true, lastStatus: true, createdAt: true }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 },
} satisfies Prisma.WebhookEndpointSelect;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof ENDPOINT_FIELDS }>;

function endpointSummary(row: EndpointRow): WebhookEndpointSummary {
  const last = row.deliveries[0];
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as WebhookEvent[],
    enabled: row.disabledAt === null,
    createdAt: row.createdAt.toISOString(),
    lastDelivery: last ? { status: last.status, lastStatus: last.lastStatus, createdAt: last.createdAt.toISOString() } : null,
  };
}

const DELIVERY_FIELDS = {
  id: true,
  endpointId: true,
  event: true,
  payload: true,
  status: true,
  attempts: true,
  lastStatus: true,
  lastError: true,
  lastLatencyMs: true,
  createdAt: true,
  lastAttemptAt: true,
  deliveredAt: true,
} satisfies Prisma.WebhookDeliverySelect;

function deliverySummary(row: Prisma.WebhookDeliveryGetPayload<{ select: typeof DELIVERY_FIELDS }>): WebhookDeliverySummary {
  const { payload, ...rest } = row;
  const name = (payload as { data?: { file?: { name?: unknown } } } | null)?.data?.file?.name;
  return {
    ...rest,
    fileName: typeof name === "string" ? name : null,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}

const NO_ENDPOINT = "No webhook endpoint has that id. It may have been deleted.";

const findEndpoint = (id: string) => db().webhookEndpoint.findUnique({ where: { id }, select: ENDPOINT_FIELDS });

/** Refuses (400) a URL Valet would not deliver to, in the same words the delivery log would use. */
async function assertDeliverable(url: string): Promise<void> {
  await resolveWebhookTarget(url, { allowPrivate: env().WEBHOOK_ALLOW_PRIVATE });
}

export async function listWebhookEndpoints(actor: Actor): Promise<WebhookEndpointSummary[]> {
  assertAdmin(actor);
  const rows = await db().webhookEndpoint.findMany({ select: ENDPOINT_FIELDS, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(endpointSummary);
}

export async function getWebhookEndpoint(actor: Actor, endpointId: string): Promise<WebhookEndpointSummary> {
  assertAdmin(actor);
  return endpointSummary(await foundOr404(endpointId, findEndpoint, NO_ENDPOINT));
}

export async function createWebhookEndpoint(args: { actor: Actor; input: CreateWebhookInput; meta: RequestMeta }): Promise<WebhookEndpointWithSecret> {
  const { actor, input, meta } = args;
  assertAdmin(actor);
  await assertDeliverable(input.url);
  const secret = generateWebhookSecret();
  const id = randomUUID();
  const row = await db().$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: { id, url: input.url, description: input.description ?? null, events: input.events, secret: encryptWebhookSecret(secret), createdById: actor.id },
      select: ENDPOINT_FIELDS,
    });
    await recordAudit(tx, { action: "webhook.created", actorUserId: actor.id, detail: { endpointId: id, url: input.url, events: input.events } }, meta);
    return created;
  });
  return { ...endpointSummary(row), secret };
}

export async function updateWebhookEndpoint(args: {
  actor: Actor;
  endpointId: string;
  input: UpdateWebhookInput;
  meta: RequestMeta;
}): Promise<WebhookEndpointSummary> {
  const { actor, endpointId, input, meta } = args;
  assertAdmin(actor);
  const current = await foundOr404(endpointId, findEndpoint, NO_ENDPOINT);
  if (input.url !== undefined && input.url !== current.url) await assertDeliverable(input.url);
  const data: Prisma.WebhookEndpointUpdateInput = {
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.events !== undefined ? { events: input.events } : {}),
    // Disabling keeps the first time it was disabled; enabling clears it.
    ...(input.enabled !== undefined ? { disabledAt: input.enabled ? null : (current.disabledAt ?? new Date()) } : {}),
  };
  const row = await db().$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({ where: { id: endpointId }, data, select: ENDPOINT_FIELDS });
    await recordAudit(tx, { action: "webhook.updated", actorUserId: actor.id, detail: { endpointId, url: updated.url, changes: input } }, meta);
    return updated;
  });
  return endpointSummary(row);
}

/** Deletes the endpoint and its delivery log; queued jobs for it find no delivery and end. */
export async function deleteWebhookEndpoint(args: { actor: Actor; endpointId: string; meta: RequestMeta }): Promise<void> {
  const { actor, endpointId, meta } = args;
  assertAdmin(actor);
  const current = await foundOr404(endpointId, findEndpoint, NO_ENDPOINT);
  await db().$transaction(async (tx) => {
    const gone = await tx.webhookEndpoint.deleteMany({ where: { id: endpointId } });
    if (gone.count === 0) throw new AppError("not_found", NO_ENDPOINT);
    await recordAudit(tx, { action: "webhook.deleted", actorUserId: actor.id, detail: { endpointId, url: current.url } }, meta);
  });
}

/** A new secret, effective for every attempt from now on (queued retries too); the old one stops working at once. */
export async function rotateWebhookSecret(args: { actor: Actor; endpointId: string; meta: RequestMeta }): Promise<WebhookEndpointWithSecret> {
  const { actor, endpointId, meta } = args;
  assertAdmin(actor);
  await foundOr404(endpointId, findEndpoint, NO_ENDPOINT);
  const secret = generateWebhookSecret();
  const row = await db().$transaction(async (tx) => {
    const updated = await tx.webhookEndpoint.update({ where: { id: endpointId }, data: { secret: encryptWebhookSecret(secret) }, select: ENDPOINT_FIELDS });
    await recordAudit(tx, { action: "webhook.secret_rotated", actorUserId: actor.id, detail: { endpointId, url: updated.url } }, meta);
    return updated;
  });
  return { ...endpointSummary(row), secret };
}

/** An endpoint's deliveries, newest first, a page at a time (keyset on createdAt, id). */
export async function listWebhookDeliveries(
  actor: Actor,
  endpointId: string,
  query: WebhookDeliveriesQuery,
): Promise<{ deliveries: WebhookDeliverySummary[]; nextCursor: string | null }> {
  assertAdmin(actor);
  await foundOr404(endpointId, findEndpoint, NO_ENDPOINT);
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await db().webhookDelivery.findMany({
    where: {
      endpointId,
      ...(after ? { OR: [{ createdAt: { lt: cursorTime(after.value) } }, { createdAt: cursorTime(after.value), id: { lt: after.id } }] } : {}),
    },
    select: DELIVERY_FIELDS,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ value: last.createdAt.toISOString(), id: last.id }) : null;
  return { deliveries: page.map(deliverySummary), nextCursor };
}

/**
 * Sends a settled delivery (DELIVERED or FAILED) again, the same body under the same webhook-id:
 * the row goes back to PENDING and a new job (a key of its own) is queued, in one transaction.
 */
export async function redeliverWebhook(args: { actor: Actor; deliveryId: string; meta: RequestMeta }): Promise<WebhookDeliverySummary> {
  const { actor, deliveryId, meta } = args;
  assertAdmin(actor);
  const missing = "No webhook delivery has that id. It may have been deleted with its endpoint.";
  const row = await db().$transaction(async (tx) => {
    const moved = await tx.webhookDelivery.updateMany({
      where: { id: deliveryId, status: { in: ["DELIVERED", "FAILED"] }, endpoint: { disabledAt: null } },
      data: { status: "PENDING", attempts: 0, lastError: null, deliveredAt: null },
    });
    if (moved.count === 0) {
      const found = await tx.webhookDelivery.findUnique({ where: { id: deliveryId }, select: { status: true, endpoint: { select: { disabledAt: true } } } });
      if (!found) throw new AppError("not_found", missing);
      if (found.status === "PENDING") throw new AppError("invalid_state", "This delivery is already queued: it will be tried again on its own.");
      throw new AppError("invalid_state", "The endpoint is disabled. Enable it first, then redeliver.");
    }
    await addJob(tx, "webhook", { deliveryId }, `webhook:${deliveryId}:${randomUUID()}`);
    const updated = await tx.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, select: DELIVERY_FIELDS });
    await recordAudit(
      tx,
      { action: "webhook.redelivered", actorUserId: actor.id, detail: { deliveryId, endpointId: updated.endpointId, event: updated.event } },
      meta,
    );
    return updated;
  });
  return deliverySummary(row);
}
