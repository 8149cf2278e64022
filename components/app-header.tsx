import Link from "next/link";

import { Logo } from "@/components/logo";
import { SignOutButton, UploadActivity } from "@/components/upload-activity";
import type { Actor } from "@/lib/server/access";
import { signOut } from "@/lib/server/auth";

export function AppHeader({ user }: { user: Actor }) {
  async function signOutAction() {
    "use server";
    await signOut({ redirectTo: "/sign-in" });
  }
  const link = "rounded-md px-2 py-1 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800";
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3">
        <div className="flex items-center gap-4">
          <Link href="/files" aria-label="Valet home">
            <Logo />
          </Link>
          <nav aria-label="Main" className="flex items-center gap-1">
            <Link href="/files" className={link}>
              My files
            </Link>
            <Link href="/settings" className={link}>
              API tokens
            </Link>
            {user.role === "ADMIN" ? (
              <Link href="/admin" className={link}>
                Admin
              </Link>
            ) : null}
          </nav>
        </div>
        <div className="flex items-center gap-3">
          <UploadActivity />
          <span className="hidden text-sm text-slate-600 md:inline dark:text-slate-400" data-testid="current-user">
            {user.name ? `${user.name} · ` : ""}
            {user.email}
          </span>
          <form action={signOutAction}>
            <SignOutButton>Sign out</SignOutButton>
          </form>
        </div>
      </div>
    </header>
  );
}
