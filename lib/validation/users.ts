import { z } from "zod";

export const MIN_PASSWORD_CHARS = 8;

const SITE = "http://valet.invalid";

/**
 * Where to go after signing in: a path on this site (from a page that sent you to sign in), never
 * another site (`//evil.example`, `/\\evil.example`), the API, or anything a Location header
 * cannot carry. Anything else: My files. Dot segments (`/files/../api`, `%2e%2e`) are resolved
 * first, as the browser would, and the resolved path is what is returned.
 */
export function safeNextPath(value: unknown): string {
  // Printable ASCII only (what a browser sends, percent-encoded): it goes into a Location header.
  if (typeof value !== "string" || value.length > 1000 || !/^\/(?!\/)[!-~]*$/.test(value) || value.includes("\\")) return "/files";
  const url = new URL(value, SITE);
  const path = `${url.pathname}${url.search}${url.hash}`;
  const isApi = url.pathname === "/api" || url.pathname.startsWith("/api/");
  return url.origin === SITE && !isApi && !path.startsWith("//") ? path : "/files";
}

/** `path` (the sign-in or sign-up page, maybe with a query) carrying `next` on, unless it is the default. */
export function withNext(path: string, next: string): string {
  return next === "/files" ? path : `${path}${path.includes("?") ? "&" : "?"}next=${encodeURIComponent(next)}`;
}

export const INVALID_CREDENTIALS_MESSAGE = "That email and password don't match an account. Check them and try again.";

export const signUpSchema = z.object({
  email: z
    .email("enter a valid email address")
    .max(254)
    .transform((e) => e.toLowerCase()),
  password: z.string().min(MIN_PASSWORD_CHARS, `password must be at least ${MIN_PASSWORD_CHARS} characters`).max(256),
  name: z.string().trim().max(100).optional(),
});

export const credentialsSchema = z.object({
  email: z
    .string()
    .max(254)
    .transform((e) => e.trim().toLowerCase()),
  password: z.string().max(256),
});

export const setupSchema = z.object({
  token: z.string().trim().min(1, "paste the setup token from the server log").max(200),
});
