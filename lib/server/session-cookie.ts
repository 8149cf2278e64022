import "server-only";

import { decode, encode } from "next-auth/jwt";

import { isUuid } from "./access";
import { env } from "./env";

// The session cookie Auth.js sets at sign-in, read the way its session endpoint reads it (same
// secret, salt and chunking) but without running that endpoint for every request: see
// decodedSessions. Auth.js itself (auth.ts) still signs people in and out.

type CookieStore = { getAll(): Array<{ name: string; value: string }> };

/** How long a session lasts (Auth.js's session.maxAge, auth.ts). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

/** Auth.js's own allowance for clock skew when it checks a session's expiry. */
const JWT_CLOCK_TOLERANCE_SECONDS = 15;
const DECODED_SESSIONS_MAX = 10_000;

/**
 * Session cookies already decrypted, by value. `auth()` cost ~3 ms of CPU per request on the bench
 * machine: it decrypts the cookie (an HKDF key derivation, AES-CBC, HMAC-SHA-512), runs Auth.js's
 * session endpoint in-process, and encrypts a refreshed cookie that a route handler then throws
 * away. A cookie decrypts to the same payload every time, so it is decrypted once per instance; its
 * expiry is checked on every use, and the user it names is still read from the database on every
 * request (that is what refuses a disabled account).
 */
const decodedSessions = new Map<string, { userId: string | null; expiresAtSeconds: number }>();

/**
 * The user id in a valid session cookie (what Auth.js's session endpoint would answer, with the
 * same secret, salt and chunked-cookie rules), or null.
 */
export async function sessionUserId(cookieStore: CookieStore): Promise<string | null> {
  const name = sessionCookieName();
  // Large sessions are split into name.0, name.1, …; only those names and the name itself count
  // (Auth.js joins every cookie that starts with the name; a stray `name-x` is nobody's session).
  const isSessionCookie = (cookie: string) => cookie === name || (cookie.startsWith(`${name}.`) && /^\d+$/.test(cookie.slice(name.length + 1)));
  const chunks = cookieStore.getAll().filter((c) => isSessionCookie(c.name) && c.value);
  if (chunks.length === 0) return null;
  const token = chunks
    .sort((a, b) => parseInt(a.name.split(".").pop() || "0") - parseInt(b.name.split(".").pop() || "0"))
    .map((c) => c.value)
    .join("");
  const nowSeconds = Date.now() / 1000;
  let session = decodedSessions.get(token);
  if (!session) {
    const payload = await decode({ token, secret: env().AUTH_SECRET, salt: name }).catch(() => null);
    if (!payload || typeof payload.exp !== "number") return null;
    session = { userId: typeof payload.sub === "string" && isUuid(payload.sub) ? payload.sub : null, expiresAtSeconds: payload.exp };
    // Oldest first out: a bound on memory, not a policy (a dropped entry is decrypted again).
    if (decodedSessions.size >= DECODED_SESSIONS_MAX) decodedSessions.delete(decodedSessions.keys().next().value!);
    decodedSessions.set(token, session);
  }
  if (nowSeconds > session.expiresAtSeconds + JWT_CLOCK_TOLERANCE_SECONDS) {
    decodedSessions.delete(token);
    return null;
  }
  return session.userId;
}

export interface CookieToSet {
  name: string;
  value: string;
  options: { httpOnly: true; sameSite: "lax"; path: "/"; secure: boolean; maxAge: number };
}

/**
 * A session cookie for a user, exactly as Auth.js makes one at sign-in (its encode, secret, salt,
 * cookie name and attributes), for a sign-in Auth.js does not run itself: linking an identity
 * provider sign-in to a password account (identities.ts).
 */
export async function sessionCookieFor(user: { id: string; email: string; name: string | null }): Promise<CookieToSet> {
  const name = sessionCookieName();
  const value = await encode({
    token: { sub: user.id, email: user.email, name: user.name },
    secret: env().AUTH_SECRET,
    salt: name,
    maxAge: SESSION_MAX_AGE_SECONDS,
  });
  return { name, value, options: cookieOptions(SESSION_MAX_AGE_SECONDS) };
}

/** The cookie that carries a pending link (identities.ts) from the provider's callback to the link form. */
export const pendingLinkCookieName = () => `${isServedOverHttps() ? "__Host-" : ""}valet.pending-link`;

export const cookieOptions = (maxAge: number): CookieToSet["options"] => ({ httpOnly: true, sameSite: "lax", path: "/", secure: isServedOverHttps(), maxAge });

/** Auth.js's session cookie, with the __Secure- prefix when the app is served over https. */
function sessionCookieName(): string {
  return `${isServedOverHttps() ? "__Secure-" : ""}authjs.session-token`;
}

/** Whether the public URL is https: Auth.js then uses its __Secure- cookie names (auth.ts). */
export const isServedOverHttps = () => new URL(env().APP_URL).protocol === "https:";
