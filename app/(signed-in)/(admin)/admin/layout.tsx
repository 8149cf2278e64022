import Link from "next/link";
import type { ReactNode } from "react";

import { requireAdmin } from "@/lib/server/session";

// The console's frame. Not a guard: each page below calls requireAdmin() itself, and the data
// functions refuse non-admins again (a client-side navigation renders the page without this layout).
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin();
  const tab =
    "rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-white dark:text-slate-300 dark:ring-slate-700 dark:hover:bg-slate-800";
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl space-y-6 px-4 py-8">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
        <nav aria-label="Admin" className="flex flex-wrap gap-2">
          <Link href="/admin" className={tab}>
            Uploads
          </Link>
          <Link href="/admin/users" className={tab}>
            Users
          </Link>
          <Link href="/admin/audit" className={tab}>
            Audit log
          </Link>
          <Link href="/admin/webhooks" className={tab}>
            Webhooks
          </Link>
          <Link href="/admin/jobs" className={tab}>
            Jobs
          </Link>
        </nav>
      </div>
      {children}
    </main>
  );
}
