import { noContent, withUser } from "@/lib/server/route";
import { revokeShareLink } from "@/lib/server/shares";

// DELETE /api/shares/:id — revoke a link at once
export const DELETE = withUser<{ id: string }>(async ({ params, user, meta }) => {
  await revokeShareLink({ user, shareId: params.id, meta });
  return noContent();
});
