import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, storageOrigin } from "@/lib/security-headers";

// Runs before every page: a fresh nonce and the Content-Security-Policy that carries it. Next
// reads the nonce from the request's CSP header and puts it on the scripts it renders.
// (Reads S3_* directly: the validated env module is server-only and this file runs in the proxy.)
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const storage = storageOrigin({
    endpoint: process.env.S3_ENDPOINT || undefined,
    region: process.env.S3_REGION || "us-east-1",
    bucket: process.env.S3_BUCKET ?? "",
    forcePathStyle: process.env.S3_FORCE_PATH_STYLE ? ["true", "1"].includes(process.env.S3_FORCE_PATH_STYLE) : Boolean(process.env.S3_ENDPOINT),
  });
  const csp = contentSecurityPolicy({ nonce, storage, isDev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  // Pages only: API answers are JSON or redirects, and static assets need no policy.
  matcher: [{ source: "/((?!api/|_next/static|_next/image|favicon.ico).*)", missing: [{ type: "header", key: "next-router-prefetch" }] }],
};
