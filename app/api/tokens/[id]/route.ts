import { revokeApiToken } from "@/lib/server/api-tokens";
import { noContent, withUser } from "@/lib/server/route";

// DELETE /api/tokens/:id — revoke a token at once
export const DELETE = withUser<{ id: string }>(async ({ params, user, meta }) => {
  await revokeApiToken({ user, tokenId: params.id, meta });
  return noContent();
});
