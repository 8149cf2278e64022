import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { Alert } from "@/components/ui/alert";
import { LocalTime } from "@/components/ui/local-time";
import { NextPageLink } from "@/components/ui/next-page-link";
import { PHONE_HIDDEN, Table } from "@/components/ui/table";
import { WebhookRedeliverButton } from "@/components/webhook-redeliver-button";
import { WebhookStatusBadge } from "@/components/webhook-status-badge";
import { AppError } from "@/lib/errors";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { requireAdmin } from "@/lib/server/session";
import { getWebhookEndpoint, listWebhookDeliveries } from "@/lib/server/webhooks";
import { pageQuery } from "@/lib/validation/listing";
import { webhookDeliveriesQuerySchema } from "@/lib/validation/webhooks";

export const metadata: Metadata = { title: "Admin · Webhook deliveries" };

export default async function WebhookDeliveriesPage(props: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const admin = await requireAdmin();
  const { id } = await props.params;
  const fields = pageQuery(await props.searchParams);
  const endpoint = await getWebhookEndpoint(admin, id).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  const { data, problem } = await listingOrProblem(() => listWebhookDeliveries(admin, id, webhookDeliveriesQuerySchema.parse(fields)));
  const { deliveries, nextCursor } = data ?? { deliveries: [], nextCursor: null };
  return (
    <section className="space-y-4" aria-labelledby="deliveries-heading">
      <div className="space-y-1">
        <Link href="/admin/webhooks" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← All endpoints
        </Link>
        <h2 id="deliveries-heading" className="text-lg font-semibold break-all">
          Deliveries to {endpoint.url}
        </h2>
        {endpoint.enabled ? null : (
          <p className="text-sm text-amber-800 dark:text-amber-200">This endpoint is disabled: enable it on the endpoints page to redeliver.</p>
        )}
      </div>
      {problem ? <Alert>{problem}</Alert> : null}
      {problem ? null : deliveries.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="deliveries-empty">
          No deliveries yet. They appear here when one of the endpoint&apos;s events happens ({endpoint.events.join(", ")}).
        </p>
      ) : (
        <Table caption="Webhook deliveries" headers={["Event", "Status", "HTTP", "Latency", "Attempts", "Time", "Error", ""]} phoneHidden={[2, 3, 4, 5, 6]}>
          {deliveries.map((d) => (
            <tr key={d.id} data-testid="delivery-row">
              <td className="px-3 py-2">
                <span className="font-mono text-xs">{d.event}</span>
                {d.fileName ? <span className="block text-xs wrap-anywhere">{d.fileName}</span> : null}
                {/* A phone leaves out the Time column: the time goes under the event. */}
                <span className="block text-xs text-slate-500 sm:hidden dark:text-slate-400">
                  <LocalTime value={d.lastAttemptAt ?? d.createdAt} />
                </span>
              </td>
              <td className="px-3 py-2">
                <WebhookStatusBadge status={d.status} />
                {/* And the columns a phone leaves out, in short. */}
                <span className="mt-1 block text-xs wrap-anywhere text-slate-500 sm:hidden dark:text-slate-400">
                  {d.lastStatus === null ? null : `HTTP ${d.lastStatus} · `}
                  {d.attempts} attempt(s)
                  {d.lastError ? <span className="block text-red-700 dark:text-red-300">{d.lastError}</span> : null}
                </span>
              </td>
              <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>{d.lastStatus ?? "—"}</td>
              <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>{d.lastLatencyMs === null ? "—" : `${d.lastLatencyMs} ms`}</td>
              <td className={`px-3 py-2 ${PHONE_HIDDEN}`}>{d.attempts}</td>
              <td className={`px-3 py-2 text-xs ${PHONE_HIDDEN}`}>
                <LocalTime value={d.lastAttemptAt ?? d.createdAt} />
              </td>
              <td className={`max-w-xs px-3 py-2 text-xs wrap-anywhere text-red-700 dark:text-red-300 ${PHONE_HIDDEN}`}>{d.lastError ?? ""}</td>
              <td className="px-3 py-2">{d.status === "PENDING" || !endpoint.enabled ? null : <WebhookRedeliverButton deliveryId={d.id} />}</td>
            </tr>
          ))}
        </Table>
      )}
      {nextCursor ? (
        <NextPageLink path={`/admin/webhooks/${id}`} fields={fields} cursor={nextCursor}>
          Older deliveries
        </NextPageLink>
      ) : null}
    </section>
  );
}
