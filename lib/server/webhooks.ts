import "server-only";

import { Prisma } from "@/generated/prisma/client";

import type { Tx } from "./db";
import { env } from "./env";

// Webhooks: the events Valet tells registered endpoints about, one delivery row per event and
// endpoint, each sent by a job (task "webhook").

export const WEBHOOK_EVENTS = ["upload.ready", "upload.rejected", "upload.quarantined", "share.downloaded", "file.deleted"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

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
    SELECT count(graphile_worker.add_job('webhook', json_build_object('deliveryId', delivery.id), max_attempts := ${env().WEBHOOK_MAX_ATTEMPTS}::int,
      job_key := 'webhook:' || delivery.id::text)) AS queued
    FROM delivery`);
}
