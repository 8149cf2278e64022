import { z } from "zod";

import { WEBHOOK_EVENTS } from "@/lib/webhooks";

// What the admin webhook API accepts. The URL is only shaped here; whether Valet may post to it
// (scheme, credentials, where its host resolves) is the server's check (webhook-address.ts).

const url = z.string().trim().min(1, "give the endpoint's URL").max(2048, "URLs longer than 2,048 characters are not accepted");
const description = z.string().trim().max(200).nullable();
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1, "choose at least one event")
  .transform((list) => [...new Set(list)]);

export const createWebhookSchema = z.object({ url, description: description.optional(), events });
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

export const updateWebhookSchema = z
  .object({ url: url.optional(), description: description.optional(), events: events.optional(), enabled: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, "give at least one of url, description, events, enabled");
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

export const webhookDeliveriesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1000).optional(),
});
export type WebhookDeliveriesQuery = z.infer<typeof webhookDeliveriesQuerySchema>;
