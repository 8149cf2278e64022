import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { FilePreview } from "@/components/file-preview";
import { ShareLinks } from "@/components/share-links";
import { buttonClasses } from "@/components/ui/button";
import { AppError } from "@/lib/errors";
import { formatBytes, formatDate } from "@/lib/format";
import { env } from "@/lib/server/env";
import { getFile } from "@/lib/server/files";
import { requireUser } from "@/lib/server/session";
import { listShareLinks } from "@/lib/server/shares";

export const metadata: Metadata = { title: "File" };

export default async function FilePage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  // Someone else's file, a malformed id or nothing at all: the same 404.
  const file = await getFile({ user, fileId: id }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "not_found") notFound();
    throw error;
  });
  const shares = await listShareLinks({ user, fileId: file.id });

  return (
    <div className="space-y-8">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/files" className="text-indigo-600 hover:text-indigo-500">
          ← My files
        </Link>
      </nav>
      <section className="space-y-4" aria-labelledby="file-name">
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0">
            <h1 id="file-name" className="text-2xl font-semibold tracking-tight break-words">
              {file.name}
            </h1>
            <p className="text-sm text-slate-600">
              {formatBytes(file.size)} · {file.type} · uploaded <time dateTime={file.createdAt}>{formatDate(file.createdAt)}</time>
            </p>
          </div>
          <a className={buttonClasses("secondary")} href={`/api/files/${file.id}/download`} download>
            Download
          </a>
        </div>
        <FilePreview url={`/api/files/${file.id}/download?inline=1`} type={file.type} name={file.name} />
      </section>
      <ShareLinks fileId={file.id} fileName={file.name} initialShares={shares} maxTtlSeconds={env().SHARE_MAX_TTL_SECONDS} />
    </div>
  );
}
