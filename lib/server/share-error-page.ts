import "server-only";
import { AppError } from "@/lib/errors";

// The download endpoint answers browsers with a small HTML page carrying the real status
// (401, 404, 410, 429), so the status is honest and the message is readable without JS.

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const TITLES: Partial<Record<AppError["code"], string>> = {
  not_found: "Link not found",
  link_expired: "This link has expired",
  link_used_up: "This link has been used up",
  link_revoked: "This link is no longer available",
  password_required: "Password required",
  wrong_password: "Wrong password",
  rate_limited: "Too many attempts",
};

export function shareErrorPage(error: AppError, token: string): Response {
  const title = TITLES[error.code] ?? "Download not available";
  const askPassword = error.code === "password_required" || error.code === "wrong_password";
  const form = askPassword
    ? `<form method="post" action="/s/${encodeURIComponent(token)}/download">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Download</button>
      </form>`
    : "";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · Valet</title>
<style>
  body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f8fafc;color:#0f172a;font:16px/1.5 ui-sans-serif,system-ui,sans-serif;padding:1rem}
  main{max-width:28rem;width:100%;background:#fff;border:1px solid #e2e8f0;border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 2px rgb(0 0 0/.05)}
  h1{font-size:1.125rem;margin:0 0 .5rem} p{margin:0 0 1rem;color:#475569}
  label{display:block;font-size:.875rem;font-weight:500;margin-bottom:.25rem}
  input{width:100%;box-sizing:border-box;padding:.5rem .75rem;border:1px solid #cbd5e1;border-radius:.375rem;margin-bottom:.75rem;font:inherit}
  button{background:#4f46e5;color:#fff;border:0;border-radius:.375rem;padding:.5rem .75rem;font:inherit;font-weight:500;cursor:pointer}
  a{color:#4f46e5}
</style></head>
<body><main role="main">
  <h1>${escapeHtml(title)}</h1>
  <p role="${askPassword ? "status" : "alert"}">${escapeHtml(error.message)}</p>
  ${form}
  ${error.code === "not_found" ? "" : `<p><a href="/s/${encodeURIComponent(token)}">Back to the shared file</a></p>`}
</main></body></html>`;
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  return new Response(html, { status: error.status, headers });
}
