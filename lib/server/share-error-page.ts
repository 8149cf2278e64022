import "server-only";

import { type AppError } from "@/lib/errors";

import { escapeHtml, htmlPage } from "./html-page";

// The download endpoint answers browsers with a small HTML page carrying the real status
// (401, 404, 410, 429), so the status is honest and the message is readable without JS.

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
  const askPassword = error.code === "password_required" || error.code === "wrong_password";
  const action = `/s/${encodeURIComponent(token)}/download`;
  const form = askPassword
    ? `<form method="post" action="${escapeHtml(action)}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Download</button>
      </form>`
    : "";
  // Dead links lead nowhere: the share page would only say the same.
  const isDead = error.code === "not_found" || error.status === 410;
  return htmlPage({
    status: error.status,
    title: TITLES[error.code] ?? "Download not available",
    message: error.message,
    role: error.code === "password_required" ? "status" : "alert",
    body: form,
    links: isDead ? [] : [{ href: `/s/${encodeURIComponent(token)}`, label: "Back to the shared file" }],
    retryAfterSeconds: error.retryAfterSeconds,
  });
}
