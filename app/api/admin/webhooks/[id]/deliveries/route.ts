import { json, withAdmin } from "@/lib/server/route";
import { listWebhookDeliveries } from "@/lib/server/webhooks";
import { queryObject } from "@/lib/validation/listing";
import { webhookDeliveriesQuerySchema } from "@/lib/validation/webhooks";

// GET /api/admin/webhooks/:id/deliveries — the endpoint's deliveries, newest first (?limit, ?cursor)
export const GET = withAdmin<{ id: string }>(async ({ req, params, user }) => {
  const query = webhookDeliveriesQuerySchema.parse(queryObject(req.nextUrl.searchParams));
  return json(await listWebhookDeliveries(user, params.id, query));
});
