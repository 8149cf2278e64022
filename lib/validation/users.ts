import { z } from "zod";

export const MIN_PASSWORD_CHARS = 8;

/**
 * Where to go after signing in: a path on this site (from a page that sent you to sign in), never
 * another site (`//evil.example`, `/\\evil.example`), the API, or anything a Location header
 * cannot carry. Anything else: My files.
 */
export function safeNextPath(value: unknown): string {
  // Printable ASCII only (what a browser sends, percent-encoded): it goes into a Location header.
  const isSitePath = typeof value === "string" && /^\/(?!\/)[!-~]*$/.test(value) && !value.includes("\\");
  return isSitePath && !value.startsWith("/api/") && value.length <= 1000 ? value : "/files";
}

/** `path` (the sign-in or sign-up page, maybe with a query) carrying `next` on, unless it is the default. */
export function withNext(path: string, next: string): string {
  return next === "/files" ? path : `${path}${path.includes("?") ? "&" : "?"}next=${encodeURIComponent(next)}`;
}

export const INVALID_CREDENTIALS_MESSAGE = "That email and password don't match an account. Check them and try again.";

export const signUpSchema = z.object({
  email: z.email("enter a valid email address").max(254).transform((e) => e.toLowerCase()),
  password: z.string().min(MIN_PASSWORD_CHARS, `password must be at least ${MIN_PASSWORD_CHARS} characters`).max(256),
  name: z.string().trim().max(100).optional(),
});

export const credentialsSchema = z.object({
  email: z.string().max(254).transform((e) => e.trim().toLowerCase()),
  password: z.string().max(256),
});

export const setupSchema = z.object({
  token: z.string().trim().min(1, "paste the setup token from the server log").max(200),
});
