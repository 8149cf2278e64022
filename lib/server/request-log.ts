import "server-only";

import { logger } from "./log";
import { metrics } from "./metrics";

// One line per request, and the HTTP metrics, from what the route wrapper (or, for share pages,
// the proxy) saw. Only the route's pattern is recorded, never the path: a share link's path is
// its token, and a path would make a metric label without bound.

export interface RequestRecord {
  requestId: string;
  /** X-Request-Id as it came in, when well-formed (request-context.ts upstreamRequestId). */
  upstreamRequestId?: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  userId?: string;
  errorCode?: string;
}

/** Polled by load balancers and Prometheus: logged at debug while they succeed, so they do not drown the rest. */
const QUIET_ROUTES = new Set(["/api/health", "/api/metrics"]);

export function recordRequest(record: RequestRecord): void {
  const { route, method, status } = record;
  metrics().httpRequests.inc({ route, method, status: String(status) });
  metrics().httpDuration.observe({ route, method }, record.durationMs / 1000);
  const level = status === 500 ? "error" : status >= 500 ? "warn" : QUIET_ROUTES.has(route) && status < 400 ? "debug" : "info";
  logger()[level]({ ...record, durationMs: Math.round(record.durationMs * 10) / 10 }, "request");
}
