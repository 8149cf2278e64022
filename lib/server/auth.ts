import "server-only";

import NextAuth from "next-auth";
import type { OIDCConfig } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import { cookies } from "next/headers";

import { AppError } from "@/lib/errors";

import type { Actor } from "./access";
import { env, type OidcConfig } from "./env";
import { identityFromIdToken, PENDING_LINK_TTL_SECONDS, sealPendingLink, signInWithIdentity } from "./identities";
import { logger } from "./log";
import { requestMeta } from "./route";
import { cookieOptions, isServedOverHttps, pendingLinkCookieName, SESSION_MAX_AGE_SECONDS, sessionUserId } from "./session-cookie";
import { noteSignInRefusal, signInWithPassword } from "./sign-in";
import { findSessionActor } from "./users";

/** Auth.js's id for the organisation's identity provider: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = "oidc";

/**
 * The Valet user each successful provider sign-in resolved to, from Auth.js's signIn callback to
 * its jwt callback (both get the same ID token claims object): the session's `sub` must be Valet's
 * user id, never the random one Auth.js makes up when it has no database adapter.
 */
const resolvedUsers = new WeakMap<object, Actor>();

/** The provider: authorization code flow with PKCE, state and nonce; endpoints from the issuer's discovery document. */
function oidcProvider(config: OidcConfig): OIDCConfig<Record<string, unknown>> {
  return {
    id: OIDC_PROVIDER_ID,
    name: config.displayName,
    type: "oidc",
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: ["pkce", "state", "nonce"],
    authorization: { params: { scope: config.scopes.join(" ") } },
    // Auth.js reads the profile from the ID token (after checking its issuer, audience, expiry and nonce).
    profile: (claims) => ({ id: String(claims.sub), email: typeof claims.email === "string" ? claims.email : null }),
  };
}

// JWT sessions (Auth.js keeps no database session for credentials). The JWT is signed with
// AUTH_SECRET, so a session survives app restarts and works on every instance; every request
// re-reads the user, so disabling an account ends its sessions at once. Whichever way someone
// signed in, the session's `sub` is their Valet user id.
export const { handlers, auth, signIn, signOut } = NextAuth((request) => {
  const config = env();
  return {
    secret: config.AUTH_SECRET,
    trustHost: true,
    // Secure cookies (with the __Secure-/__Host- prefixes) whenever the public URL is https, even
    // behind a proxy that talks plain HTTP to the app.
    useSecureCookies: isServedOverHttps(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    // Failed provider round trips (a bad state, a code used twice, a token for someone else) land on
    // the sign-in page with Auth.js's error type, which the page puts in words.
    pages: { signIn: "/sign-in", error: "/sign-in" },
    logger: {
      error(error) {
        const type = (error as { type?: string }).type;
        // A wrong password is an answer, not a server error; keep it out of the error log.
        if (type === "CredentialsSignin") return;
        // A refused provider callback is someone's failed sign-in: one line, not a stack.
        if (type === "CallbackRouteError" || type === "InvalidCheck" || type === "OAuthCallbackError" || type === "AccessDenied") {
          const cause = (error as { cause?: { err?: Error } }).cause?.err;
          logger().warn({ type, reason: cause?.message }, "sign-in with the identity provider refused");
          return;
        }
        logger().error({ err: error }, "Auth.js error");
      },
      warn(code) {
        logger().warn({ code }, `Auth.js warning: ${code}`);
      },
    },
    providers: [
      ...(config.LOCAL_SIGNIN
        ? [
            Credentials({
              credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
              async authorize(raw, request) {
                try {
                  const user = await signInWithPassword(raw, requestMeta(request));
                  return user ? { id: user.id, email: user.email, name: user.name } : null;
                } catch (error) {
                  // A lockout (429) or a busy server (503) is not a wrong password: the caller answers with it.
                  if (error instanceof AppError) {
                    noteSignInRefusal(error);
                    return null;
                  }
                  throw error;
                }
              },
            }),
          ]
        : []),
      ...(config.OIDC ? [oidcProvider(config.OIDC)] : []),
    ],
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        if (!config.OIDC || !profile) return false;
        const meta = request ? requestMeta(request) : { ip: null, userAgent: null };
        const outcome = await signInWithIdentity(identityFromIdToken(profile, config.OIDC), meta);
        // A refusal is a page that says why (Auth.js redirects to a path returned here), never a 500.
        if (outcome.kind === "refused") return `/sign-in?error=${outcome.reason}`;
        if (outcome.kind === "link") {
          // Bound to this browser by a cookie, not carried in the URL: a link someone else started
          // cannot be completed by sending its address to the account's owner.
          const name = pendingLinkCookieName();
          (await cookies()).set(name, await sealPendingLink(outcome.pending, name), cookieOptions(PENDING_LINK_TTL_SECONDS));
          return "/sign-in/link";
        }
        resolvedUsers.set(profile, outcome.user);
        return true;
      },
      jwt({ token, account, profile }) {
        if (account?.provider !== OIDC_PROVIDER_ID) return token;
        const user = profile ? resolvedUsers.get(profile) : undefined;
        // No Valet user behind it: no session (null clears the cookie).
        if (!user) return null;
        return { sub: user.id, email: user.email, name: user.name };
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
});

/** What the sign-in and sign-up pages offer. */
export function signInMethods(): { providerName: string | null; hasPasswords: boolean; isSignUpOpen: boolean } {
  const config = env();
  return { providerName: config.OIDC?.displayName ?? null, hasPasswords: config.LOCAL_SIGNIN, isSignUpOpen: config.SIGN_UP };
}

/** The signed-in user, re-read from the database: a disabled or deleted account has none. For pages. */
export async function currentUser(): Promise<Actor | null> {
  const id = await sessionUserId(await cookies());
  return id ? findSessionActor(id) : null;
}
