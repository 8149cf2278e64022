import type { WebhookDeliveryStatus } from "@/lib/webhooks";

const STYLES: Record<WebhookDeliveryStatus, string> = {
  DELIVERED: "bg-emerald-50 text-emerald-700 ring-emerald-200 dark:bg-emerald-950/40 dark:text-emerald-300 dark:ring-emerald-800",
  PENDING: "bg-sky-50 text-sky-700 ring-sky-200 dark:bg-sky-950/40 dark:text-sky-300 dark:ring-sky-800",
  FAILED: "bg-red-50 text-red-700 ring-red-200 dark:bg-red-950/40 dark:text-red-300 dark:ring-red-800",
};

export function WebhookStatusBadge({ status }: { status: WebhookDeliveryStatus }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STYLES[status]}`} data-testid="webhook-status">
      {status.toLowerCase()}
    </span>
  );
}
