import "server-only";

import { AppError } from "@/lib/errors";
import type { Scope } from "@/lib/scopes";

// Authorisation lives with the data: every service function that reads or changes data takes the
// acting user (an Actor) and calls one of these first. Pages and route wrappers check too, but
// they are fences in front; these are the guard.

export interface Actor {
  id: string;
  email: string;
  name: string | null;
  role: "USER" | "ADMIN";
  /** What this request may do: all a role allows for a session; what it was given for an API token. */
  scopes: Scope[];
  /** Set when the request authenticated with a personal API token. */
  tokenId?: string;
}

/** 401, in the words for how the request tried to authenticate. */
export function unauthenticated(via: "session" | "token"): AppError {
  return via === "token"
    ? new AppError("unauthenticated", "This API token is not valid: it may be wrong, expired or revoked.")
    : new AppError("unauthenticated", "Sign in to do this.");
}

/** An API token without `scope` (or a session that somehow lacks it) is refused. */
export function assertScope(actor: Actor, scope: Scope): void {
  if (!actor.scopes.includes(scope)) {
    throw new AppError("insufficient_scope", `This API token does not have the "${scope}" scope. Create a token with it on the API tokens page.`);
  }
}

/** Admin data needs an administrator, and, through an API token, one with the admin scope. */
export function assertAdmin(actor: Actor): void {
  if (actor.role !== "ADMIN") throw new AppError("forbidden", "Only administrators can do this.");
  assertScope(actor, "admin");
}

/** Some things only a signed-in person may do, never a token (e.g. making more tokens). */
export function assertSession(actor: Actor, what: string): void {
  if (actor.tokenId !== undefined) throw new AppError("forbidden", `API tokens cannot ${what}. Sign in to Valet to do it.`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id Valet hands out is a UUID: anything else names nothing (404), before any query. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** The row `find` gives for a client-sent id, or 404 with `message` (a malformed id costs no query). */
export async function foundOr404<T>(id: string, find: (id: string) => Promise<T | null>, message: string): Promise<T> {
  const found = isUuid(id) ? await find(id) : null;
  if (!found) throw new AppError("not_found", message);
  return found;
}
