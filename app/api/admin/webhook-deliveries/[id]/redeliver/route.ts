import { json, withAdmin } from "@/lib/server/route";
import { redeliverWebhook } from "@/lib/server/webhooks";

// POST /api/admin/webhook-deliveries/:id/redeliver — send a delivered or dead delivery again
export const POST = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  return json({ delivery: await redeliverWebhook({ actor: user, deliveryId: params.id, meta }) }, 202);
});
