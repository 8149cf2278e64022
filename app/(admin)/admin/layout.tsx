import Link from "next/link";
import { forbidden, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppHeader } from "@/components/app-header";
import { currentUser } from "@/lib/server/auth";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  if (user.role !== "ADMIN") forbidden();
  const tab = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-white";
  return (
    <div className="min-h-screen">
      <AppHeader user={user} />
      <main className="mx-auto max-w-6xl space-y-6 px-4 py-8">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
          <nav aria-label="Admin" className="flex gap-2">
            <Link href="/admin" className={tab}>
              Uploads
            </Link>
            <Link href="/admin/users" className={tab}>
              Users
            </Link>
            <Link href="/admin/audit" className={tab}>
              Audit log
            </Link>
          </nav>
        </div>
        {children}
      </main>
    </div>
  );
}
