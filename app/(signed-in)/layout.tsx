import type { ReactNode } from "react";

import { AppHeader } from "@/components/app-header";
import { UploadProvider } from "@/components/upload-provider";
import { env } from "@/lib/server/env";
import { requireUser } from "@/lib/server/session";

// The signed-in frame, shared by My files, settings and the admin console. Not a guard: each
// page calls requireUser()/requireAdmin() itself. The uploader lives here, above the pages, so
// an upload keeps going while its owner follows in-app links (a file's page, Share, Admin).
export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const config = env();
  return (
    <UploadProvider
      userId={user.id}
      maxFileBytes={config.MAX_UPLOAD_BYTES}
      allowedTypes={config.ALLOWED_CONTENT_TYPES}
      partConcurrency={config.UPLOAD_PART_CONCURRENCY}
      storage={config.STORAGE}
    >
      <div className="min-h-screen">
        <AppHeader user={user} />
        {children}
      </div>
    </UploadProvider>
  );
}
