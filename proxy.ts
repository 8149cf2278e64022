import { NextResponse, type NextRequest } from "next/server";

import { azureBlobOrigin, contentSecurityPolicy, identityProviderOrigin, storageOrigin } from "@/lib/security-headers";
import { escapeHtml } from "@/lib/server/html-page";
import { REQUEST_ID_HEADER, upstreamRequestId } from "@/lib/server/request-context";
import { recordRequest } from "@/lib/server/request-log";
import { deadLinkPage } from "@/lib/server/shares";

// Runs before every page (Node.js runtime):
//  - a fresh nonce and the Content-Security-Policy that carries it (Next puts the nonce on the
//    scripts it renders);
//  - a first fence for pages that need a session: no session cookie at all, straight to sign-in.
//    Not the guard: every page and every data function checks the user itself;
//  - share pages of dead links answer 410 (404 for unknown tokens) with a page that says only that;
//    every share page request gets a request id (X-Request-Id) and a log line.
// (Reads S3_* / AZURE_* and OIDC_ISSUER directly: the validated configuration is not needed for the CSP.)

const SIGNED_IN_AREAS = /^\/(admin|files|settings|setup)(\/|$)/;
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];
const SHARE_PAGE = /^\/s\/([^/]+)$/;

/** The origins the CSP names: fixed by the environment, so worked out once, not per request. */
let origins: { storage: string; identityProvider: string | undefined } | undefined;
function cspOrigins() {
  origins ??= {
    storage:
      process.env.STORAGE === "azure"
        ? azureBlobOrigin(process.env)
        : storageOrigin({
            endpoint: process.env.S3_ENDPOINT || undefined,
            region: process.env.S3_REGION || "us-east-1",
            bucket: process.env.S3_BUCKET ?? "",
            forcePathStyle: process.env.S3_FORCE_PATH_STYLE ? ["true", "1"].includes(process.env.S3_FORCE_PATH_STYLE) : Boolean(process.env.S3_ENDPOINT),
          }),
    identityProvider: identityProviderOrigin(process.env.OIDC_ISSUER),
  };
  return origins;
}

export async function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy({ nonce, ...cspOrigins(), isDev: process.env.NODE_ENV === "development" });
  const { pathname, search } = request.nextUrl;

  // `npm run dev` answers on one address, APP_URL: the session cookie, the same-origin check and
  // Next's dev resources all belong to it.
  if (process.env.NODE_ENV === "development" && process.env.APP_URL) {
    const host = request.headers.get("host") ?? "";
    const app = new URL(process.env.APP_URL);
    if (host !== app.host) return otherDevAddress(host, new URL(`${pathname}${search}`, app));
  }

  if (SIGNED_IN_AREAS.test(pathname) && !SESSION_COOKIES.some((name) => request.cookies.has(name) || request.cookies.has(`${name}.0`))) {
    // Back to where they were going once signed in (a setup link, a file's page).
    const signIn = new URL("/sign-in", request.url);
    signIn.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(signIn);
  }
  const share = SHARE_PAGE.exec(pathname);
  if (share && request.method === "GET") {
    // Share pages are logged here, like API requests (under their pattern, never the token): the
    // status is the proxy's verdict (a live link's page renders with 200).
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const dead = await deadLinkPage(safeDecode(share[1]!));
    const response = dead ?? pageResponse(request, nonce, csp);
    response.headers.set("content-security-policy", csp);
    response.headers.set(REQUEST_ID_HEADER, requestId);
    recordRequest({
      requestId,
      upstreamRequestId: upstreamRequestId(request.headers.get(REQUEST_ID_HEADER)),
      method: request.method,
      route: "/s/[token]",
      status: response.status,
      durationMs: performance.now() - started,
    });
    return response;
  }

  const response = pageResponse(request, nonce, csp);
  response.headers.set("content-security-policy", csp);
  return response;
}

/** On to the page, which reads the nonce (and the policy) from the request's headers. */
function pageResponse(request: NextRequest, nonce: string, csp: string): NextResponse {
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  return NextResponse.next({ request: { headers } });
}

/**
 * The dev server reached at another address than APP_URL. On this machine (127.0.0.1, [::1]) the
 * browser is sent on at once. (By a Refresh header and page: Next turns a redirect between
 * 127.0.0.1 and localhost into a relative one, which would loop.) From elsewhere, localhost would
 * be the other device itself, so the page says how to start Valet for that address instead.
 */
function otherDevAddress(host: string, target: URL): Response {
  const hostname = host.replace(/:\d+$/, "");
  const isThisMachine = ["127.0.0.1", "[::1]", "::1"].includes(hostname);
  const body = isThisMachine
    ? `<p>Valet runs at <a href="${escapeHtml(target.href)}">${escapeHtml(target.origin)}</a>. Taking you there…</p>`
    : `<p>This Valet runs at ${escapeHtml(target.origin)} (its APP_URL). To open it from another device, stop it and start it with <code>APP_URL=http://${escapeHtml(host)} npm run dev</code>.</p>`;
  const refresh = isThisMachine ? `<meta http-equiv="refresh" content="0; url=${escapeHtml(target.href)}">` : "";
  return new Response(`<!doctype html><html lang="en"><head><meta charset="utf-8">${refresh}<title>Valet</title></head><body>${body}</body></html>`, {
    status: isThisMachine ? 200 : 421,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...(isThisMachine ? { refresh: `0; url=${target.href}` } : {}) },
  });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const config = {
  // Pages only: API answers are JSON or redirects, and static assets need no policy. Route handlers
  // stay out (the share download reads a body, and Next buffers the body of every request it hands
  // to the proxy).
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|favicon.svg|apple-touch-icon.png|robots.txt|s/[^/]+/download).*)",
      missing: [{ type: "header", key: "next-router-prefetch" }],
    },
  ],
};
