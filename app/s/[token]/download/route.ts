import type { NextRequest } from "next/server";
import { AppError } from "@/lib/errors";
import { withPublic } from "@/lib/server/route";
import { shareErrorPage } from "@/lib/server/share-error-page";
import { downloadViaShareLink } from "@/lib/server/shares";

type Params = { token: string };

async function readPassword(req: NextRequest): Promise<string | undefined> {
  if (req.method !== "POST") return undefined;
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("application/json")) {
    const body = (await req.json().catch(() => null)) as { password?: unknown } | null;
    return typeof body?.password === "string" ? body.password : undefined;
  }
  const form = await req.formData().catch(() => null);
  const password = form?.get("password");
  return typeof password === "string" ? password : undefined;
}

// GET|POST /s/:token/download — count one download and 302 to storage; browsers get HTML
// error pages with the real status (401, 404, 410, 429), other clients the JSON error shape.
const handler = withPublic<Params>(async ({ req, params, meta }) => {
  try {
    const url = await downloadViaShareLink({ token: params.token, password: await readPassword(req), meta });
    return new Response(null, { status: 302, headers: { location: url, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
  } catch (error) {
    const wantsHtml = (req.headers.get("accept") ?? "").includes("text/html");
    if (error instanceof AppError && wantsHtml) return shareErrorPage(error, params.token);
    throw error;
  }
});

export const GET = handler;
export const POST = handler;
