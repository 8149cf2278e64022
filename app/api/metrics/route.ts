import { AppError } from "@/lib/errors";
import { env } from "@/lib/server/env";
import { metricsAccess, metricsResponse } from "@/lib/server/metrics";
import { withPublic } from "@/lib/server/route";

// GET /api/metrics — this instance's Prometheus metrics, for holders of METRICS_TOKEN (404 while it is unset)
export const GET = withPublic(async ({ req }) => {
  const access = metricsAccess(env().METRICS_TOKEN, req.headers.get("authorization"));
  if (access === "disabled") throw new AppError("not_found", "Metrics are off: set METRICS_TOKEN to turn them on.");
  if (access === "denied") throw new AppError("unauthenticated", "Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`.");
  return metricsResponse();
});
