import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";

import { FileChecksum } from "@/components/file-checksum";
import { FilePreview } from "@/components/file-preview";
import { RefreshWhileAwaitingJobs } from "@/components/refresh-while";
import { ShareLinks } from "@/components/share-links";
import { buttonClasses } from "@/components/ui/button";
import { LocalTime } from "@/components/ui/local-time";
import { AppError } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { env } from "@/lib/server/env";
import { getFile } from "@/lib/server/files";
import { requireUser } from "@/lib/server/session";
import { listShareLinks } from "@/lib/server/shares";

// Read once per request, for the title and the page.
const ownFile = cache(async (id: string) => {
  const user = await requireUser();
  // Someone else's file, a malformed id or nothing at all: the same 404.
  const file = await getFile({ user, fileId: id }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  return { user, file };
});

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: (await ownFile((await params).id)).file.name };
}

export default async function FilePage({ params }: { params: Promise<{ id: string }> }) {
  const { user, file } = await ownFile((await params).id);
  const shares = await listShareLinks({ user, fileId: file.id });

  return (
    <div className="space-y-8">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/files" className="text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300">
          ← My files
        </Link>
      </nav>
      <section className="space-y-4" aria-labelledby="file-name">
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
          <div className="flex min-w-0 items-start gap-4">
            {file.thumbnail ? (
              // eslint-disable-next-line @next/next/no-img-element -- a redirect to a presigned storage URL, not an optimisable asset
              <img
                src={`/api/files/${file.id}/thumbnail`}
                alt={`Thumbnail of ${file.name}`}
                width={96}
                height={96}
                className="h-24 w-24 shrink-0 rounded-lg bg-slate-100 object-cover ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
                data-testid="file-page-thumbnail"
              />
            ) : null}
            <div className="min-w-0">
              <h1 id="file-name" className="text-2xl font-semibold tracking-tight break-words">
                {file.name}
              </h1>
              <p className="text-sm text-slate-600 dark:text-slate-400">
                {formatBytes(file.size)} · {file.type} · uploaded <LocalTime value={file.createdAt} />
              </p>
            </div>
          </div>
          <a className={buttonClasses("secondary")} href={`/api/files/${file.id}/download`} download>
            Download
          </a>
        </div>
        <FileChecksum sha256={file.sha256} />
        <RefreshWhileAwaitingJobs file={file} />
        <FilePreview url={`/api/files/${file.id}/download?inline=1`} type={file.type} name={file.name} />
      </section>
      <ShareLinks fileId={file.id} fileName={file.name} initialShares={shares} maxTtlSeconds={env().SHARE_MAX_TTL_SECONDS} />
    </div>
  );
}
