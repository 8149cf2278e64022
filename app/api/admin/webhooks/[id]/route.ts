import { json, noContent, readJson, withAdmin } from "@/lib/server/route";
import { deleteWebhookEndpoint, updateWebhookEndpoint } from "@/lib/server/webhooks";
import { updateWebhookSchema } from "@/lib/validation/webhooks";

// PATCH /api/admin/webhooks/:id — url, description, events, enabled
export const PATCH = withAdmin<{ id: string }>(async ({ req, params, user, meta }) => {
  const input = await readJson(req, updateWebhookSchema);
  return json({ endpoint: await updateWebhookEndpoint({ actor: user, endpointId: params.id, input, meta }) });
});

// DELETE /api/admin/webhooks/:id — the endpoint and its delivery log
export const DELETE = withAdmin<{ id: string }>(async ({ params, user, meta }) => {
  await deleteWebhookEndpoint({ actor: user, endpointId: params.id, meta });
  return noContent();
});
