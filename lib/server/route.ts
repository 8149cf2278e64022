import "server-only";

import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import { NextResponse, type NextRequest } from "next/server";
import { ZodError, type z } from "zod";

import { Prisma } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";

import { assertAdmin, isUuid, unauthenticated, type Actor } from "./access";
import { callerForToken } from "./api-tokens";
import type { RequestMeta } from "./audit";
import { mediaType, readBodyText } from "./body";
import { DATABASE_UNAVAILABLE_MESSAGE } from "./db";
import { env } from "./env";
import { logger } from "./log";
import { PEER_ADDRESS_HEADER } from "./peer-address";
import { currentRequest, noteRequestError, REQUEST_ID_HEADER, routePattern, runInRequest, upstreamRequestId, type RequestContext } from "./request-context";
import { recordRequest } from "./request-log";
import { sessionUserId } from "./session-cookie";
import { resolveActor, type Caller } from "./users";

// Every API route goes through one of these wrappers: session, params, JSON parsing, the error
// table, the request id and the request's log line live here so that handlers stay a few lines long.

interface Context<P> {
  req: NextRequest;
  params: P;
  meta: RequestMeta;
}
type Handler<C> = (ctx: C) => Promise<Response>;
type RouteContext<P> = { params: Promise<P> };

export function withPublic<P = Record<string, never>>(handler: Handler<Context<P>>) {
  return async (req: NextRequest, route: RouteContext<P>): Promise<Response> => {
    // Params first: the route's pattern (for the log) needs them, whatever is refused next.
    const params = await route.params;
    return observeRequest(req, routePattern(req.nextUrl.pathname, params as Record<string, string>), async () => {
      assertSameOrigin(req);
      assertIdParam(params);
      return handler({ req, params, meta: requestMeta(req) });
    });
  };
}

/**
 * Serves one API request under a fresh request id: every line logged meanwhile carries it, the
 * answer carries it as X-Request-Id (errors too, a 500's message as well), and the request ends
 * with one log line and its HTTP metrics. Anything `run` throws becomes the error answer.
 */
export async function observeRequest(req: NextRequest, route: string, run: () => Promise<Response>): Promise<Response> {
  const started = performance.now();
  const context: RequestContext = { requestId: randomUUID() };
  let response = await runInRequest(context, async () => {
    try {
      return await run();
    } catch (error) {
      return toErrorResponse(error);
    }
  });
  response = withHeader(response, REQUEST_ID_HEADER, context.requestId);
  recordRequest({
    requestId: context.requestId,
    upstreamRequestId: upstreamRequestId(req.headers.get(REQUEST_ID_HEADER)),
    method: req.method,
    route,
    status: response.status,
    durationMs: performance.now() - started,
    userId: context.userId,
    errorCode: context.errorCode,
  });
  return response;
}

/** Responses made by Response.redirect() or fetch() have immutable headers: those are copied. */
function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}

export function withUser<P = Record<string, never>>(handler: Handler<Context<P> & { user: Actor }>) {
  return withPublic<P>(async (ctx) => {
    const user = await resolveActor(await callerOf(ctx.req));
    return handler({ ...ctx, user, meta: { ...ctx.meta, tokenId: user.tokenId } });
  });
}

/**
 * withUser for the sign call, the API's busiest: a request with no usable session or token is
 * refused here (401) as by withUser, but the rest of the check (is the user still active, is the
 * token still good) is left to the service's first statement, which withUser would spend a round
 * trip of its own on. A Caller is only a claim: the service puts users.ts actorSql in that
 * statement and turns its answer into an Actor (actorFrom, 401 as here) before anything else.
 */
export function withCaller<P = Record<string, never>>(handler: Handler<Context<P> & { caller: Caller }>) {
  return withPublic<P>(async (ctx) => handler({ ...ctx, caller: await callerOf(ctx.req) }));
}

/** A fence in front of the admin API; the admin data functions check again themselves. */
export function withAdmin<P = Record<string, never>>(handler: Handler<Context<P> & { user: Actor }>) {
  return withUser<P>(async (ctx) => {
    assertAdmin(ctx.user);
    return handler(ctx);
  });
}

/** Who the request says it is: a personal API token (`Authorization: Bearer …`) or the session cookie. */
async function callerOf(req: NextRequest): Promise<Caller> {
  const authorization = req.headers.get("authorization");
  if (authorization !== null) {
    const [scheme, secret] = authorization.split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !secret) throw new AppError("unauthenticated", "Use `Authorization: Bearer <token>`.");
    return callerForToken(secret);
  }
  const id = await sessionUserId(req.cookies);
  if (!id) throw unauthenticated("session");
  return { sessionUserId: id };
}

export async function readJson<S extends z.ZodType>(req: NextRequest, schema: S): Promise<z.infer<S>> {
  // Only JSON: a form (text/plain, urlencoded, multipart) that happens to carry JSON is refused.
  if (mediaType(req.headers.get("content-type")) !== "application/json") {
    throw new AppError("unsupported_media_type", "Send the request body as JSON, with Content-Type: application/json.");
  }
  const text = await readBodyText(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
  return schema.parse(body);
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return NextResponse.json(data, { status, headers: { "cache-control": "no-store", ...headers } });
}

export const noContent = (): Response => new Response(null, { status: 204 });

/** 302 to a presigned storage URL: never cached, and the URL (a credential) not sent on as a Referer. */
export const redirectToStorage = (url: string): Response =>
  new Response(null, { status: 302, headers: { location: url, "cache-control": "no-store", "referrer-policy": "no-referrer" } });

/** Every `[id]` in the API is a UUID: anything else names nothing (404, before any query). */
function assertIdParam(params: unknown): void {
  const id = (params as { id?: unknown } | null | undefined)?.id;
  if (typeof id === "string" && !isUuid(id)) throw new AppError("not_found", "Nothing here has that id.");
}

/**
 * Browsers send Origin on cross-site requests; a state-changing request from another site is
 * refused even if a cookie came with it. Non-browser clients send no Origin and pass.
 */
function assertSameOrigin(req: NextRequest): void {
  if (req.method === "GET" || req.method === "HEAD") return;
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== env().APP_ORIGIN) {
    throw new AppError("cross_origin", "Cross-origin requests are not allowed.");
  }
}

export function requestMeta(req: Request): RequestMeta {
  return { ip: clientIp(req.headers), userAgent: req.headers.get("user-agent") };
}

/**
 * The client's address, for per-address limits and the audit log. Each of TRUSTED_PROXY_HOPS
 * proxies in front of Valet appends the address it saw to X-Forwarded-For, so the client is that
 * many entries from the right of [X-Forwarded-For…, TCP peer]: with 1 (a reverse proxy, the README's
 * deployment) the last X-Forwarded-For entry; with 0 the TCP peer, whatever a client sends. What a
 * client writes further left can never pick its own identity.
 */
export function clientIp(headers: Headers, hops = env().TRUSTED_PROXY_HOPS): string | null {
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const peer = headers.get(PEER_ADDRESS_HEADER);
  const fromRight = (chain: string[], n: number) => chain[Math.max(0, chain.length - 1 - n)] ?? null;
  // No peer (a request taken while the server was still starting): Next has put the socket's
  // address into X-Forwarded-For when the client sent none, which is the best left to go on.
  const chosen = peer ? fromRight([...forwarded, peer], hops) : fromRight(forwarded, Math.max(0, hops - 1));
  // A proxy appends an address; anything else there was written by the client itself (no proxy
  // in front, against the configuration): count the request against the TCP peer instead. (An
  // unbounded value would also not fit the rate-limit table's key.)
  return chosen !== null && isIP(chosen) !== 0 ? chosen : peer;
}

/** The answer for anything a handler throws; its code goes on the request's log line. */
export function toErrorResponse(error: unknown): Response {
  const [response, code] = errorAnswer(error);
  noteRequestError(code);
  return response;
}

function errorAnswer(error: unknown): [Response, AppError["code"]] {
  if (error instanceof AppError) {
    const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) };
    return [json(error.toBody(), error.status, retry), error.code];
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return [json(new AppError("invalid_input", `${where}${issue?.message ?? "invalid input"}`).toBody(), 422), "invalid_input"];
  }
  if (isDatabaseDown(error)) {
    return [json(new AppError("database_unavailable", DATABASE_UNAVAILABLE_MESSAGE).toBody(), 503, { "retry-after": "5" }), "database_unavailable"];
  }
  // The real error goes to the log only, under the request id the caller is given to quote.
  logger().error({ err: error }, "Unhandled error in API route");
  const requestId = currentRequest()?.requestId;
  const reference = requestId ? ` Reference: ${requestId}` : "";
  return [json(new AppError("internal", `Something went wrong on our side. It has been logged.${reference}`).toBody(), 500), "internal"];
}

/**
 * Socket errors, PostgreSQL's "admin shutdown" and connection-failure classes, and Prisma's
 * can't-reach (P1001), timed-out (P1002), connection-closed (P1017) and pool-timeout (P2024).
 */
const DATABASE_DOWN_CODES = new Set(["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "57P01", "08006", "08001", "P1001", "P1002", "P1017", "P2024"]);

function isDatabaseDown(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && DATABASE_DOWN_CODES.has(code);
}
