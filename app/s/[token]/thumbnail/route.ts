import { redirectToStorage, withPublic } from "@/lib/server/route";
import { shareThumbnailUrl } from "@/lib/server/shares";

// GET /s/:token/thumbnail — 302 to the shared file's thumbnail while the link works; never counts a download
export const GET = withPublic<{ token: string }>(async ({ params, meta }) => redirectToStorage(await shareThumbnailUrl({ token: params.token, meta })));

// Link checkers send HEAD: answered without signing anything.
export const HEAD = () => new Response(null, { status: 405, headers: { allow: "GET" } });
