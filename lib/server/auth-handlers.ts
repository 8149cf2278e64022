import "server-only";

import { NextRequest } from "next/server";

import { handlers } from "./auth";
import { readBodyText } from "./body";
import { observeRequest } from "./route";
import { withSignInRefusals } from "./sign-in";
import { assertPasswordSignInEnabled } from "./users";

// Auth.js's own endpoints, wrapped: bodies are read through the same cap as every other route, and
// a sign-in refused for being locked out (429) or while the server is busy (503) answers with that
// status and Retry-After instead of Auth.js's generic failure; each request gets its id and log
// line as every API request does. The lazily-configured Auth.js instance is only touched per
// request, never at build.
const ROUTE = "/api/auth/[...nextauth]";

export const GET = (req: NextRequest) => observeRequest(req, ROUTE, () => handlers.GET(req));

export function POST(req: NextRequest): Promise<Response> {
  return observeRequest(req, ROUTE, async () => {
    // LOCAL_SIGNIN=false: the credentials endpoint says so (403), rather than Auth.js's unknown-provider redirect.
    if (/\/(callback|signin)\/credentials$/.test(req.nextUrl.pathname)) assertPasswordSignInEnabled();
    const body = await readBodyText(req);
    const capped = new NextRequest(req.url, { method: "POST", headers: req.headers, body });
    return withSignInRefusals(() => handlers.POST(capped));
  });
}
