import "server-only";

// Small self-contained HTML pages (inline styles, no scripts) for answers that must carry their
// real status to a browser: share-link errors, dead links, refused form posts.

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface HtmlPage {
  status: number;
  title: string;
  message: string;
  /** Extra markup below the message (already escaped). */
  body?: string;
  links?: Array<{ href: string; label: string }>;
  retryAfterSeconds?: number;
  /** "alert" for errors, "status" for a prompt. */
  role?: "alert" | "status";
}

export function htmlPage(page: HtmlPage): Response {
  const links = (page.links ?? []).map((l) => `<p><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></p>`).join("");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(page.title)} · Valet</title>
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
  <h1>${escapeHtml(page.title)}</h1>
  <p role="${page.role ?? "alert"}">${escapeHtml(page.message)}</p>
  ${page.body ?? ""}
  ${links}
</main></body></html>`;
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };
  if (page.retryAfterSeconds !== undefined) headers["retry-after"] = String(page.retryAfterSeconds);
  return new Response(html, { status: page.status, headers });
}
