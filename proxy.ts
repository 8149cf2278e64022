import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, storageOrigin } from "@/lib/security-headers";
import { deadLinkPage } from "@/lib/server/shares";

// Runs before every page (Node.js runtime):
//  - a fresh nonce and the Content-Security-Policy that carries it (Next puts the nonce on the
//    scripts it renders);
//  - a first fence for pages that need a session: no session cookie at all, straight to sign-in.
//    Not the guard: every page and every data function checks the user itself;
//  - share pages of dead links answer 410 (404 for unknown tokens) with a page that says only that.
// (Reads S3_* directly: the validated configuration is not needed for the CSP.)

const SIGNED_IN_AREAS = /^\/(admin|files|settings|setup)(\/|$)/;
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];
const SHARE_PAGE = /^\/s\/([^/]+)$/;

export async function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const storage = storageOrigin({
    endpoint: process.env.S3_ENDPOINT || undefined,
    region: process.env.S3_REGION || "us-east-1",
    bucket: process.env.S3_BUCKET ?? "",
    forcePathStyle: process.env.S3_FORCE_PATH_STYLE ? ["true", "1"].includes(process.env.S3_FORCE_PATH_STYLE) : Boolean(process.env.S3_ENDPOINT),
  });
  const csp = contentSecurityPolicy({ nonce, storage, isDev: process.env.NODE_ENV === "development" });
  const { pathname } = request.nextUrl;

  if (SIGNED_IN_AREAS.test(pathname) && !SESSION_COOKIES.some((name) => request.cookies.has(name) || request.cookies.has(`${name}.0`))) {
    return NextResponse.redirect(new URL("/sign-in", request.url));
  }
  const share = SHARE_PAGE.exec(pathname);
  if (share && request.method === "GET") {
    const dead = await deadLinkPage(safeDecode(share[1]!));
    if (dead) {
      dead.headers.set("content-security-policy", csp);
      return dead;
    }
  }

  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
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
  matcher: [{ source: "/((?!api/|_next/static|_next/image|favicon.ico|s/[^/]+/download).*)", missing: [{ type: "header", key: "next-router-prefetch" }] }],
};
