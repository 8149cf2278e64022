import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";

// What the log knows about the request being served: its id (on every line logged while it is
// served, and in a 500's message), and what the request line adds once the handler is done — the
// user it acted for and the error code of a failure answered without a throw.

export interface RequestContext {
  readonly requestId: string;
  /** The acting user, once the database confirmed it (withUser, or the sign call's own statement). */
  userId?: string;
  errorCode?: string;
}

/** Answered on every API response, errors included. */
export const REQUEST_ID_HEADER = "x-request-id";

// On globalThis, like the probe: the server's own module instance and the route handlers' must share it.
const globalForContext = globalThis as unknown as { valetRequestContext?: AsyncLocalStorage<RequestContext> };
const contexts = (globalForContext.valetRequestContext ??= new AsyncLocalStorage<RequestContext>());

export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return contexts.run(context, fn);
}

export function currentRequest(): RequestContext | undefined {
  return contexts.getStore();
}

export function noteRequestUser(userId: string): void {
  const context = contexts.getStore();
  if (context) context.userId = userId;
}

export function noteRequestError(code: string): void {
  const context = contexts.getStore();
  if (context) context.errorCode = code;
}

/**
 * Valet always makes its own request id: an incoming X-Request-Id may come from a client rather
 * than a proxy (nginx passes a client's on unless told to set its own), and ids a client picks
 * could collide with, or impersonate, another request's in the log. One that came in is still
 * worth keeping beside it, to find the request in the proxy's log: this is it, when it is 1–128
 * characters of letters, digits and `._:-` (a UUID, nginx's $request_id), else nothing.
 */
export function upstreamRequestId(value: string | null): string | undefined {
  return value !== null && UPSTREAM_REQUEST_ID.test(value) ? value : undefined;
}

const UPSTREAM_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The route a request matched, as its file path names it (`/api/files/[id]`, `/s/[token]/download`),
 * for the log and the metrics' labels: never a share token, and a bounded set of values. Next gives
 * a handler its params but not its pattern, so each path segment that is a param's value becomes
 * that param's name. (A static segment equal to a param's value would be named too: only for ids
 * and tokens that match no route's rules, and still no raw value.)
 */
export function routePattern(pathname: string, params: Record<string, string | string[] | undefined> | null | undefined): string {
  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === "string") names.set(value, `[${name}]`);
    else for (const v of value ?? []) names.set(v, `[...${name}]`);
  }
  if (names.size === 0) return pathname;
  const segments = pathname.split("/").map((segment) => names.get(safeDecode(segment)) ?? segment);
  // A catch-all's segments become one `[...name]`.
  return segments.filter((s, i) => !(s.startsWith("[...") && s === segments[i - 1])).join("/");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
