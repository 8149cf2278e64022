import "server-only";

import { CredentialsSignin } from "next-auth";
import type { NextRequest } from "next/server";

import { AppError } from "@/lib/errors";
import { INVALID_CREDENTIALS_MESSAGE, safeNextPath, withNext } from "@/lib/validation/users";

import { signIn } from "./auth";
import { mediaType, readFormOrJson } from "./body";
import { htmlPage } from "./html-page";
import { json, toErrorResponse } from "./route";
import { withSignInRefusals } from "./sign-in";

// The sign-in and sign-up forms post here, as a plain form (so they work, and keep passwords out
// of URLs, without JavaScript) or as JSON from the page's script. A plain form gets a redirect on
// success and a page with the real status otherwise (a wrong password goes back to the form);
// JSON gets the API's answers.

/** Signs in through Auth.js, which sets the session cookie. Throws 401, 429 or 503. */
export async function startSession(input: { email: string; password: string }): Promise<void> {
  try {
    await withSignInRefusals(() => signIn("credentials", { email: input.email, password: input.password, redirect: false }));
  } catch (error) {
    if (error instanceof CredentialsSignin) throw new AppError("invalid_credentials", INVALID_CREDENTIALS_MESSAGE);
    throw error;
  }
}

/** `run` gets the form's fields and answers where to go next. */
export async function answerAuthForm(
  req: NextRequest,
  form: { page: "/sign-in" | "/sign-up"; title: string },
  run: (fields: Record<string, string>) => Promise<void>,
): Promise<Response> {
  const wantsJson = mediaType(req.headers.get("content-type")) === "application/json" || (req.headers.get("accept") ?? "").includes("application/json");
  let next = "/files";
  try {
    const fields = await readFormOrJson(req);
    next = safeNextPath(fields.next);
    await run(fields);
    return wantsJson ? json({ ok: true, redirectTo: next }) : new Response(null, { status: 303, headers: { location: next } });
  } catch (error) {
    if (wantsJson) return toErrorResponse(error);
    if (error instanceof AppError && error.code === "invalid_credentials") {
      return new Response(null, { status: 303, headers: { location: withNext(`${form.page}?error=invalid_credentials`, next) } });
    }
    const answer = toErrorResponse(error);
    const { error: body } = (await answer.json()) as { error: { message: string } };
    const retryAfter = answer.headers.get("retry-after");
    return htmlPage({
      status: answer.status,
      title: form.title,
      message: body.message,
      links: [{ href: form.page, label: "Back to the form" }],
      retryAfterSeconds: retryAfter === null ? undefined : Number(retryAfter),
    });
  }
}
