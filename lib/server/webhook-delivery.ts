import "server-only";

import type { JobHelpers } from "graphile-worker";

// Sends one webhook delivery (task "webhook"). Being written: signing, SSRF refusal, retries.
export async function deliverWebhook(payload: unknown, helpers: JobHelpers): Promise<void> {
  void payload;
  void helpers;
  throw new Error("Webhook delivery is not built yet.");
}
