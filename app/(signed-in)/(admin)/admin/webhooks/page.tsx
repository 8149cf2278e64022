import type { Metadata } from "next";

import { Alert } from "@/components/ui/alert";
import { WebhookEndpoints } from "@/components/webhook-endpoints";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { requireAdmin } from "@/lib/server/session";
import { listWebhookEndpoints } from "@/lib/server/webhooks";

export const metadata: Metadata = { title: "Admin · Webhooks" };

export default async function AdminWebhooksPage() {
  const admin = await requireAdmin();
  const { data, problem } = await listingOrProblem(() => listWebhookEndpoints(admin));
  return (
    <section className="space-y-4" aria-labelledby="webhooks-heading">
      <div className="space-y-1">
        <h2 id="webhooks-heading" className="text-lg font-semibold">
          Webhooks
        </h2>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Valet POSTs a signed JSON message to each endpoint when something it listens for happens, and retries for about 3.5 hours when the endpoint does not
          answer 2xx.
        </p>
      </div>
      {problem ? <Alert>{problem}</Alert> : <WebhookEndpoints initialEndpoints={data ?? []} />}
    </section>
  );
}
