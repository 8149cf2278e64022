import { azureBlobEndpoint } from "./azure-connection-string";

// The Content-Security-Policy for Valet's pages. Browser-safe and free of I/O so that proxy.ts
// can use it on every request and a unit test can read it.

export interface StorageLocation {
  endpoint?: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
}

/** The origin of an issuer URL (its login page lives there), or undefined when there is none or it is no URL. */
export function identityProviderOrigin(issuer: string | undefined): string | undefined {
  if (!issuer) return undefined;
  try {
    return new URL(issuer).origin;
  } catch {
    return undefined;
  }
}

/** The origin browsers talk to for this bucket (what presigned URLs point at). */
export function storageOrigin(s: StorageLocation): string {
  const endpoint = new URL(s.endpoint ?? `https://s3.${s.region}.amazonaws.com`);
  return s.forcePathStyle ? endpoint.origin : `${endpoint.protocol}//${s.bucket}.${endpoint.host}`;
}

/** The blob service origin browsers talk to on Azure. */
export function azureBlobOrigin(env: Record<string, string | undefined>): string {
  return new URL(
    azureBlobEndpoint({
      account: env.AZURE_STORAGE_ACCOUNT || undefined,
      endpoint: env.AZURE_BLOB_ENDPOINT || undefined,
      connectionString: env.AZURE_STORAGE_CONNECTION_STRING || undefined,
    }),
  ).origin;
}

/**
 * Scripts only with this response's nonce (Next applies it to its own scripts). Storage is the
 * one other origin: Uppy PUTs parts to it, previews load from it, and the share-password form
 * and download buttons end in a redirect to it. The identity provider's origin, when there is one,
 * may be a form's destination too: "Sign in with …" posts to Valet, which redirects to the
 * provider's login page, and browsers hold a redirect after a form post to form-action. No framing
 * by anyone.
 */
export function contentSecurityPolicy(args: { nonce: string; storage: string; isDev: boolean; identityProvider?: string }): string {
  const { nonce, storage, isDev, identityProvider } = args;
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${isDev ? " 'unsafe-eval'" : ""}`,
    // Uppy and React set element styles at run time; stylesheets come from 'self'.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data: ${storage}`,
    `media-src 'self' blob: ${storage}`,
    `frame-src 'self' ${storage}`,
    `connect-src 'self' ${storage}${isDev ? " ws: wss:" : ""}`,
    // The MD5 worker (lib/md5-worker.ts) is one of Next's own chunks; 'strict-dynamic' would not cover it.
    "worker-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self' ${storage}${identityProvider ? ` ${identityProvider}` : ""}`,
    "frame-ancestors 'none'",
  ].join("; ");
}
