import "server-only";

// Secrets that must never reach a log line, whoever logged them: a presigned URL is a working key
// for its whole life, a share token or an API token is a credential, a session cookie is a
// session. Known fields are redacted by name (log.ts); this catches the same secrets inside any
// text — a message, a storage error that quotes the URL it was given, a stack — and runs on every
// line as it is written, so nothing that reaches the log skips it.

const REDACTED = "[redacted]";

/**
 * Query parameters that carry a signature or the credential it was made with: S3 SigV4
 * (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token), SigV2 and CloudFront (Signature,
 * AWSAccessKeyId), Azure SAS (sig). Also percent-encoded, as when a URL sits in another URL's query.
 */
const SIGNED_QUERY_PARAM =
  /((?:[?&;]|%26|%3F)(?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid|sig)(?:=|%3D))[^&\s"'\\<>#:,)\]]*/gi;

/** A share link's path: its one segment is the token. */
const SHARE_PATH = /\/s\/[^/\s?#"'\\<>]+/g;

/** A personal API token ("valet_" + base64url), anywhere. */
const API_TOKEN = /\bvalet_[A-Za-z0-9_-]{16,}/g;

/** An Authorization header's credentials: `Bearer …`, `Basic …`, SigV4's `Credential=…, Signature=…`. */
const AUTHORIZATION = /\b(Bearer|Basic|AWS4-HMAC-SHA256)\s+[^\s,"'\\]+(?:,\s*[A-Za-z]+=[^\s,"'\\]+)*/gi;

/** Session cookies (Auth.js, also chunked `.0`, `.1`) as they appear in a Cookie header. */
const SESSION_COOKIE = /((?:__Secure-|__Host-)?authjs\.[a-z-]+(?:\.\d+)?=)[^;\s"'\\]+/gi;

/** `text` with every signature, credential, share token, API token and session cookie value replaced. */
export function redactSecrets(text: string): string {
  return text
    .replace(SIGNED_QUERY_PARAM, `$1${REDACTED}`)
    .replace(SHARE_PATH, "/s/[token]")
    .replace(API_TOKEN, `valet_${REDACTED}`)
    .replace(AUTHORIZATION, `$1 ${REDACTED}`)
    .replace(SESSION_COOKIE, `$1${REDACTED}`);
}
