import { json, withAdmin } from "@/lib/server/route";
import { rotateWebhookSecret } from "@/lib/server/webhooks";

// POST /api/admin/webhooks/:id/secret — a new signing secret, shown only in this answer
export const POST = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  return json({ endpoint: await rotateWebhookSecret({ actor: user, endpointId: params.id, meta }) });
});
