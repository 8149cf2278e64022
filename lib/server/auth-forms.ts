import "server-only";

import { CredentialsSignin } from "next-auth";
import { cookies } from "next/headers";
import type { NextRequest } from "next/server";

import { AppError } from "@/lib/errors";
import { identityProblemMessage } from "@/lib/identity-policy";
import { INVALID_CREDENTIALS_MESSAGE, safeNextPath, withNext } from "@/lib/validation/users";

import type { RequestMeta } from "./audit";
import { OIDC_PROVIDER_ID, signIn } from "./auth";
import { mediaType, readFormOrJson } from "./body";
import { env } from "./env";
import { htmlPage } from "./html-page";
import { linkIdentityWithPassword, oidcConfig, openPendingLink } from "./identities";
import { json, toErrorResponse } from "./route";
import { pendingLinkCookieName, sessionCookieFor } from "./session-cookie";
import { withSignInRefusals } from "./sign-in";
import { assertPasswordSignInEnabled } from "./users";

// The sign-in and sign-up forms post here, as a plain form (so they work, and keep passwords out
// of URLs, without JavaScript) or as JSON from the page's script. A plain form gets a redirect on
// success and a page with the real status otherwise (a wrong password goes back to the form);
// JSON gets the API's answers.

/** Signs in through Auth.js, which sets the session cookie. Throws 401, 429 or 503. */
export async function startSession(input: { email: string; password: string }): Promise<void> {
  // Without the credentials provider Auth.js's signIn would quietly answer a URL: refuse first.
  assertPasswordSignInEnabled();
  try {
    await withSignInRefusals(() => signIn("credentials", { email: input.email, password: input.password, redirect: false }));
  } catch (error) {
    if (error instanceof CredentialsSignin) throw new AppError("invalid_credentials", INVALID_CREDENTIALS_MESSAGE);
    throw error;
  }
}

/**
 * Starts a sign-in at the identity provider: Auth.js sets its state, PKCE and nonce cookies (sealed
 * with AUTH_SECRET, 15 minutes) and gives the provider's authorization URL, found by discovery.
 */
export async function startIdentitySignIn(next: string): Promise<string> {
  const { displayName } = oidcConfig();
  const unavailable = (cause?: unknown) =>
    new AppError("identity_provider_unavailable", `${displayName} could not be reached. Try again in a moment.`, { cause, retryAfterSeconds: 5 });
  let url: string;
  try {
    // With redirect: false, Auth.js's signIn answers the URL to send the browser to.
    url = (await signIn(OIDC_PROVIDER_ID, { redirectTo: next, redirect: false })) as string;
  } catch (error) {
    throw unavailable(error);
  }
  // Auth.js answers its own error page (ours, /sign-in) when it could not make the URL, e.g. no discovery document.
  if (new URL(url, env().APP_ORIGIN).origin === env().APP_ORIGIN) throw unavailable();
  return url;
}

/**
 * The link form: the password of the account the provider's verified email matched, proved once.
 * Then the identity is linked and this browser signed in, as Auth.js would (its own cookie).
 */
export async function completeIdentityLink(args: { sealed: string | undefined; password: string; meta: RequestMeta }): Promise<void> {
  const name = pendingLinkCookieName();
  const pending = await openPendingLink(args.sealed, name);
  if (!pending) throw new AppError("invalid_state", identityProblemMessage("link_expired", oidcConfig().displayName)!);
  const user = await linkIdentityWithPassword({ pending, password: args.password, meta: args.meta });
  const session = await sessionCookieFor(user);
  const jar = await cookies();
  jar.set(session.name, session.value, session.options);
  jar.delete(name);
}

/** `run` gets the form's fields and answers where to go next: `next`, unless it names another place (the provider). */
export async function answerAuthForm(
  req: NextRequest,
  form: { page: "/sign-in" | "/sign-up" | "/sign-in/link"; title: string },
  run: (fields: Record<string, string>, next: string) => Promise<string | void>,
): Promise<Response> {
  const wantsJson = mediaType(req.headers.get("content-type")) === "application/json" || (req.headers.get("accept") ?? "").includes("application/json");
  let next = "/files";
  try {
    const fields = await readFormOrJson(req);
    next = safeNextPath(fields.next);
    const goTo = (await run(fields, next)) ?? next;
    return wantsJson ? json({ ok: true, redirectTo: goTo }) : new Response(null, { status: 303, headers: { location: goTo } });
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
