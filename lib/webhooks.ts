// Webhooks as the browser and the API's callers see them: the events, and the shapes the admin
// API answers with (declared once, imported by the server, the admin pages and the tests).

export const WEBHOOK_EVENTS = ["upload.ready", "upload.rejected", "upload.quarantined", "share.downloaded", "file.deleted"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_DESCRIPTIONS: Record<WebhookEvent, string> = {
  "upload.ready": "a file finished uploading and its SHA-256 is known",
  "upload.rejected": "an upload was refused (size, type or checksum)",
  "upload.quarantined": "an upload was held back as suspicious",
  "share.downloaded": "someone downloaded a file through a share link",
  "file.deleted": "a file was deleted",
};

export type WebhookDeliveryStatus = "PENDING" | "DELIVERED" | "FAILED";

export interface WebhookEndpointSummary {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEvent[];
  enabled: boolean;
  createdAt: string;
  /** The newest delivery's outcome, or null before the first one. */
  lastDelivery: { status: WebhookDeliveryStatus; lastStatus: number | null; createdAt: string } | null;
}

/** Given once, when the endpoint is created or its secret rotated: Valet never shows it again. */
export interface WebhookEndpointWithSecret extends WebhookEndpointSummary {
  secret: string;
}

export interface WebhookDeliverySummary {
  id: string;
  endpointId: string;
  event: string;
  /** The name of the file the event is about (every event today is about one). */
  fileName: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}
