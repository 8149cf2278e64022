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

// The same look as the app's pages (components/logo.tsx, the share page's card, the palette of
// app/globals.css, dark mode included), written out because these pages load no stylesheet.
const STYLE = `
  :root{color-scheme:light dark;--bg:#f8fafc;--card:#fff;--line:#e2e8f0;--text:#0f172a;--muted:#475569;--accent:#4f46e5;--button:#4f46e5;--accent-text:#4338ca;
    --alert-bg:#fef2f2;--alert-line:#fecaca;--alert-text:#991b1b;--input-line:#cbd5e1}
  @media (prefers-color-scheme:dark){:root{--bg:#020617;--card:#0f172a;--line:#334155;--text:#f1f5f9;--muted:#cbd5e1;--accent:#6366f1;--accent-text:#a5b4fc;
    --alert-bg:rgb(69 10 10/.45);--alert-line:#7f1d1d;--alert-text:#fecaca;--input-line:#475569}}
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;-webkit-font-smoothing:antialiased}
  main{display:flex;min-height:100vh;flex-direction:column;align-items:center;padding:2.5rem 1rem}
  .logo{display:inline-flex;align-items:center;gap:.5rem;margin-bottom:1.5rem;font-size:1.25rem;font-weight:600;letter-spacing:-.025em}
  .logo svg{width:1.75rem;height:1.75rem;color:var(--accent)}
  .card{width:100%;max-width:28rem;background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.5rem;box-shadow:0 1px 2px rgb(0 0 0/.05)}
  h1{font-size:1.125rem;font-weight:600;margin:0 0 .75rem}
  .message{margin:0 0 1rem;font-size:.875rem;color:var(--muted)}
  .message.alert{background:var(--alert-bg);border:1px solid var(--alert-line);color:var(--alert-text);border-radius:.375rem;padding:.5rem .75rem}
  label{display:block;font-size:.875rem;font-weight:500;margin-bottom:.25rem}
  input{display:block;width:100%;padding:.5rem .75rem;border:1px solid var(--input-line);border-radius:.375rem;margin-bottom:.75rem;font:inherit;background:var(--card);color:var(--text)}
  input:focus{outline:2px solid var(--accent);outline-offset:0;border-color:transparent}
  button{background:var(--button);color:#fff;border:0;border-radius:.375rem;padding:.5rem .75rem;font:inherit;font-size:.875rem;font-weight:500;cursor:pointer}
  button:hover{filter:brightness(1.1)} button:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
  .links{margin:1rem 0 0;font-size:.875rem} a{color:var(--accent-text)}
`;

const LOGO = `<span class="logo"><svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M7 10V7a5 5 0 0 1 10 0v3" stroke-linecap="round"/><rect x="4" y="10" width="16" height="11" rx="2"/><path d="M12 14v3" stroke-linecap="round"/></svg>Valet</span>`;

export function htmlPage(page: HtmlPage): Response {
  const links = (page.links ?? []).map((l) => `<p class="links"><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></p>`).join("");
  const role = page.role ?? "alert";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(page.title)} · Valet</title>
<style>${STYLE}</style></head>
<body><main>
  ${LOGO}
  <section class="card" aria-labelledby="page-title">
  <h1 id="page-title">${escapeHtml(page.title)}</h1>
  <p role="${role}" class="message${role === "alert" ? " alert" : ""}">${escapeHtml(page.message)}</p>
  ${page.body ?? ""}
  ${links}
  </section>
</main></body></html>`;
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" };
  if (page.retryAfterSeconds !== undefined) headers["retry-after"] = String(page.retryAfterSeconds);
  return new Response(html, { status: page.status, headers });
}
