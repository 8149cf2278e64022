import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";

import { FilePreview } from "@/components/file-preview";
import { Logo } from "@/components/logo";
import { buttonClasses } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import { formatBytes } from "@/lib/format";
import { clientIp } from "@/lib/server/route";
import { createSharePreviewUrl, mayShowShareThumbnail, resolveShareLink } from "@/lib/server/shares";
import { SHARE_GONE_MESSAGES } from "@/lib/share-policy";

// Read once per request, for the title and the page.
const shareLink = cache((token: string) => resolveShareLink(token));

export async function generateMetadata({ params }: { params: Promise<{ token: string }> }): Promise<Metadata> {
  const resolved = await shareLink((await params).token);
  const title = resolved?.status === "active" ? `${resolved.file.name} · shared with you` : "Link no longer works";
  return { title, robots: { index: false } };
}

export default async function SharePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const resolved = await shareLink(token);
  if (!resolved) notFound();
  const { link, file, owner, status } = resolved;
  // Dead links are answered by proxy.ts (410, nothing about the file). One that died a moment ago
  // says only that, too.
  if (status !== "active") return <DeadLink message={SHARE_GONE_MESSAGES[status]} />;
  const h = await headers();
  const previewUrl = await createSharePreviewUrl(resolved, { ip: clientIp(h), userAgent: h.get("user-agent") });
  const downloadAction = `/s/${encodeURIComponent(token)}/download`;
  // Where the full preview is not offered (a download limit), the thumbnail still is; never behind a password.
  const thumbnailSrc = !previewUrl && mayShowShareThumbnail(resolved) ? `/s/${encodeURIComponent(token)}/thumbnail` : null;
  const sharedBy = owner.name || owner.email;

  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen flex-col items-center px-4 py-10">
      <div className="mb-6">
        <Logo />
      </div>
      <section
        className="w-full max-w-2xl space-y-5 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-700 dark:bg-slate-900"
        aria-labelledby="shared-file-name"
      >
        {thumbnailSrc ? (
          // eslint-disable-next-line @next/next/no-img-element -- a redirect to a presigned storage URL, not an optimisable asset
          <img
            src={thumbnailSrc}
            alt={`Thumbnail of ${file.name}`}
            className="max-h-80 max-w-full rounded-lg bg-slate-100 object-contain ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
            data-testid="share-thumbnail"
          />
        ) : null}
        <div className="space-y-1">
          <p className="text-sm text-slate-600 dark:text-slate-400">{sharedBy} shared a file with you</p>
          <h1 id="shared-file-name" className="text-xl font-semibold break-words">
            {file.name}
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {formatBytes(Number(file.size))} · {file.contentType} · link expires <LocalTime value={link.expiresAt} />
          </p>
        </div>

        {link.passwordHash !== null ? (
          <form method="post" action={downloadAction} className="space-y-3">
            <p className="text-sm text-slate-700 dark:text-slate-300">This link is protected by a password.</p>
            <div className="space-y-1">
              <label htmlFor="share-password" className="block text-sm font-medium">
                Password
              </label>
              <input
                id="share-password"
                name="password"
                type="password"
                required
                autoComplete="current-password"
                className="block w-full rounded-md border-0 px-3 py-2 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 dark:ring-slate-600 dark:focus:ring-indigo-500"
              />
            </div>
            <button type="submit" className={buttonClasses("primary")}>
              Download
            </button>
          </form>
        ) : (
          <div className="space-y-4">
            <a href={downloadAction} className={buttonClasses("primary")}>
              Download
            </a>
            {link.maxDownloads !== null ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">
                {Math.max(0, link.maxDownloads - link.downloadCount)} of {link.maxDownloads} downloads left.
              </p>
            ) : null}
            {previewUrl ? <FilePreview url={previewUrl} type={file.contentType} name={file.name} /> : null}
          </div>
        )}
      </section>
    </main>
  );
}

function DeadLink({ message }: { message: string }) {
  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen flex-col items-center px-4 py-10">
      <div className="mb-6">
        <Logo />
      </div>
      <section className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-700 dark:bg-slate-900">
        <h1 className="text-lg font-semibold">This link no longer works</h1>
        <p role="alert" className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          {message}
        </p>
      </section>
    </main>
  );
}
