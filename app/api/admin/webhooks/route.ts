import { json, readJson, withAdmin } from "@/lib/server/route";
import { createWebhookEndpoint, listWebhookEndpoints } from "@/lib/server/webhooks";
import { createWebhookSchema } from "@/lib/validation/webhooks";

// GET /api/admin/webhooks — every endpoint, with its newest delivery's outcome
export const GET = withAdmin(async ({ user }) => {
  return json({ endpoints: await listWebhookEndpoints(user) });
});

// POST /api/admin/webhooks — register an endpoint; the answer carries its secret, shown only this once
export const POST = withAdmin(async ({ req, user, meta }) => {
  const input = await readJson(req, createWebhookSchema);
  return json({ endpoint: await createWebhookEndpoint({ actor: user, input, meta }) }, 201);
});
