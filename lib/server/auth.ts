import "server-only";

import NextAuth from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { cookies } from "next/headers";

import { AppError } from "@/lib/errors";

import type { Actor } from "./access";
import { env } from "./env";
import { logger } from "./log";
import { requestMeta } from "./route";
import { isServedOverHttps, sessionUserId } from "./session-cookie";
import { noteSignInRefusal, signInWithPassword } from "./sign-in";
import { findSessionActor } from "./users";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

// Credentials sign-in needs JWT sessions (Auth.js keeps no database session for it). The JWT is
// signed with AUTH_SECRET, so a session survives app restarts and works on every instance; every
// request re-reads the user, so disabling an account ends its sessions at once.
export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: env().AUTH_SECRET,
  trustHost: true,
  // Secure cookies (with the __Secure-/__Host- prefixes) whenever the public URL is https, even
  // behind a proxy that talks plain HTTP to the app.
  useSecureCookies: isServedOverHttps(),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in" },
  logger: {
    // A wrong password is an answer, not a server error; keep it out of the error log.
    error(error) {
      if ((error as { type?: string }).type !== "CredentialsSignin") logger().error({ err: error }, "Auth.js error");
    },
    warn(code) {
      logger().warn({ code }, `Auth.js warning: ${code}`);
    },
  },
  providers: [
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
  ],
  callbacks: {
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
}));

/** The signed-in user, re-read from the database: a disabled or deleted account has none. For pages. */
export async function currentUser(): Promise<Actor | null> {
  const id = await sessionUserId(await cookies());
  return id ? findSessionActor(id) : null;
}
