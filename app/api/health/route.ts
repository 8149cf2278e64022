import { checkHealth } from "@/lib/server/health";
import { json, withPublic } from "@/lib/server/route";

// GET /api/health — 200 when the database and storage answer, 503 otherwise
export const GET = withPublic(async () => {
  const health = await checkHealth();
  return json(health, health.ok ? 200 : 503);
});
