import type { Metadata } from "next";

import { FileTable } from "@/components/file-table";
import { Uploader } from "@/components/uploader";
import { listFiles } from "@/lib/server/files";
import { requireUser } from "@/lib/server/session";

export const metadata: Metadata = { title: "My files" };

const FILES_PAGE_SIZE = 200;

export default async function FilesPage() {
  const user = await requireUser();
  const { files, nextCursor } = await listFiles({ user, limit: FILES_PAGE_SIZE });

  return (
    <div className="space-y-8">
      <section aria-labelledby="upload-heading" className="space-y-3">
        <div>
          <h1 id="upload-heading" className="text-2xl font-semibold tracking-tight">
            My files
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">Drop files below. They go straight to storage; Valet only hands out the keys.</p>
        </div>
        <Uploader />
      </section>
      <section aria-labelledby="files-heading" className="space-y-3">
        <h2 id="files-heading" className="text-lg font-semibold">
          Ready to download
        </h2>
        <FileTable files={files} />
        {nextCursor ? <p className="text-sm text-slate-600">Showing your {FILES_PAGE_SIZE} newest files.</p> : null}
      </section>
    </div>
  );
}
