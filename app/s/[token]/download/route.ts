import { AppError } from "@/lib/errors";
import { readFormOrJson } from "@/lib/server/body";
import { noteRequestError } from "@/lib/server/request-context";
import { redirectToStorage, withPublic } from "@/lib/server/route";
import { shareErrorPage } from "@/lib/server/share-error-page";
import { downloadViaShareLink } from "@/lib/server/shares";

type Params = { token: string };

// GET|POST /s/:token/download — count one download and 302 to storage; browsers get HTML
// error pages with the real status (401, 404, 410, 429), other clients the JSON error shape.
// A POST carries the password, as a form field or JSON {password}, read through the body cap.
const handler = withPublic<Params>(async ({ req, params, meta }) => {
  try {
    const password = req.method === "POST" ? (await readFormOrJson(req)).password : undefined;
    const url = await downloadViaShareLink({ token: params.token, password, meta });
    return redirectToStorage(url);
  } catch (error) {
    const wantsHtml = (req.headers.get("accept") ?? "").includes("text/html");
    if (error instanceof AppError && wantsHtml) {
      noteRequestError(error.code);
      return shareErrorPage(error, params.token);
    }
    throw error;
  }
});

export const GET = handler;
export const POST = handler;

// Link checkers and unfurlers send HEAD: that must never count a download (Next would otherwise
// answer HEAD with the GET handler).
export const HEAD = () => new Response(null, { status: 405, headers: { allow: "GET, POST" } });
